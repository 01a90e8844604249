"""Regions end to end: the checks of bridges', HAProxy nodes' and shards' regions and of region groups."""

from jitsi_regions import bridge_regions, region_errors

GROUPS = {"haproxy": ["lb-eu", "lb-us"], "signal": ["a-signal", "b-signal"], "jvb": ["a-jvb1", "a-jvb2", "b-jvb1"]}


def _shards(a_jvb2="us"):
    return {
        "a": {"name": "a", "group": "shard_a", "region": "eu",
              "bridges": [{"host": "a-jvb1", "region": "eu"}, {"host": "a-jvb2", "region": a_jvb2}]},
        "b": {"name": "b", "group": "shard_b", "region": "us", "bridges": [{"host": "b-jvb1", "region": "us"}]},
    }


def _snapshot(**extra):
    snapshot = {h: {} for hosts in GROUPS.values() for h in hosts}
    snapshot["lb-eu"]["jitsi_region"], snapshot["lb-us"]["jitsi_region"] = "eu", "us"
    for host, values in extra.items():
        snapshot[host].update(values)
    return snapshot


def errors(snapshot=None, shards=None, **settings):
    return region_errors(GROUPS, snapshot or _snapshot(), shards or _shards(), settings)


def test_a_shard_spanning_two_regions_with_a_front_in_each_is_fine():
    assert bridge_regions(_shards()) == {"eu", "us"}
    assert errors(region_groups=[["eu", "us"]]) == []


def test_a_haproxy_region_without_a_bridge_is_refused_naming_the_host():
    (msg,) = errors(_snapshot(**{"lb-us": {"jitsi_region": "ap"}}))
    assert msg.startswith("host lb-us (group haproxy): jitsi_region 'ap' has no bridge (bridge regions: eu, us)")
    assert msg.endswith("or leave jitsi_region unset for no region preference.")
    # No region at all is no preference, and fine.
    assert errors(_snapshot(**{"lb-us": {"jitsi_region": ""}})) == []


def test_a_shard_region_none_of_its_bridges_is_in_is_refused():
    shards = _shards()
    shards["b"]["bridges"][0]["region"] = "eu"
    (msg,) = errors(shards=shards)
    assert msg.startswith("group shard_b: jitsi_shard_region 'us' has none of the shard's bridges (they are in eu)")


def test_region_groups_name_known_regions_each_once():
    (unknown,) = errors(region_groups=[["eu", "eu-west"]])
    assert unknown.startswith("jitsi_region_groups[0] names region 'eu-west', which no bridge is in (bridge regions: eu, us)")
    (twice,) = errors(region_groups=[["eu", "us"], ["us"]])
    assert twice.startswith("jitsi_region_groups puts region 'us' in groups 0 and 1: Jicofo keeps only the last one")
    (shape,) = errors(region_groups=["eu", "us"])
    assert shape.startswith("jitsi_region_groups must be a list of region lists, e.g. [[eu-central, eu-west]")


def test_a_signal_node_has_no_region_of_its_own():
    (msg,) = errors(_snapshot(**{"a-signal": {"jitsi_region": "us"}}))
    assert msg.startswith("host a-signal (group signal) sets jitsi_region: Jicofo's region is its shard's")


def test_bridges_of_a_shard_must_be_overlay_peers():
    peers = {"a-jvb1": {"a-signal"}, "a-jvb2": {"b-signal", "b-jvb1"}, "b-jvb1": {"a-jvb2", "b-signal"}}
    (msg,) = errors(overlay_peers=peers)
    assert msg.startswith("bridges a-jvb1 and a-jvb2 (shard a) are overlay members but not overlay peers")
    peers["a-jvb1"].add("a-jvb2")
    assert errors(overlay_peers=peers) == []
