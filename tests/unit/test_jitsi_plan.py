"""The cluster plan validate.yml computes once per run: checks, shard table, overlay plan."""

import jitsi_plan

SETTINGS = {"defaults": {"pool_size": 4, "region": "default"}, "seed_defined": True, "front_external": False,
            "member_groups": ["signal", "jvb"],
            "cidrs": {"jitsi_overlay_wg_cidr": "10.98.0.0/24", "jitsi_overlay_cidr": "10.99.0.0/24"}}


def _inventory():
    groups = {"all": ["lb1", "a-signal", "a-jvb1", "a-jvb2"], "haproxy": ["lb1"], "signal": ["a-signal"],
              "jvb": ["a-jvb1", "a-jvb2"], "shards": ["a-signal", "a-jvb1", "a-jvb2"],
              "shard_a": ["a-signal", "a-jvb1", "a-jvb2"]}
    hostvars = {h: {"jitsi_shard_region": "eu"} for h in groups["shard_a"]}
    hostvars["lb1"] = {}
    return groups, hostvars


def test_plan_of_a_valid_inventory():
    plan = jitsi_plan.cluster_plan(*_inventory(), SETTINGS)
    assert plan["errors"] == []
    assert [b["slot_name"] for b in plan["shards"]["a"]["bridges"]] == ["jvb-01", "jvb-02"]
    assert plan["host_shards"] == {"a-signal": "a", "a-jvb1": "a", "a-jvb2": "a"}
    assert plan["overlay"]["members"] == ["a-jvb1", "a-jvb2", "a-signal"]
    assert set(plan["overlay"]["plan"]) == set(plan["overlay"]["members"])
    assert plan["overlay"]["regions"] == {"a-jvb1": "eu", "a-jvb2": "eu", "a-signal": "eu"}


def test_shard_and_overlay_problems_are_reported_together_before_any_plan():
    groups, hostvars = _inventory()
    hostvars["a-jvb2"]["jitsi_bridge_slot"] = 9
    hostvars["a-jvb1"]["jitsi_overlay_index"] = 999
    plan = jitsi_plan.cluster_plan(groups, hostvars, dict(SETTINGS, seed_defined=False))
    assert set(plan) == {"errors"}
    assert len(plan["errors"]) == 3
    assert any("jitsi_secret_seed is not set" in e for e in plan["errors"])
    assert any("jitsi_bridge_slot 9 is outside the pool" in e for e in plan["errors"])
    assert any("a-jvb1: jitsi_overlay_index = 999" in e for e in plan["errors"])


def _two_shards():
    groups, hostvars = _inventory()
    groups["all"] += ["b-signal", "b-jvb1"]
    groups["signal"].append("b-signal")
    groups["jvb"].append("b-jvb1")
    groups["shard_b"] = ["b-signal", "b-jvb1"]
    hostvars.update({"b-signal": {"jitsi_shard_region": "us"}, "b-jvb1": {"jitsi_shard_region": "us"}})
    return groups, hostvars


def test_rooms_of_several_shards_need_a_front_door():
    groups, hostvars = _two_shards()
    assert jitsi_plan.cluster_plan(groups, hostvars, SETTINGS)["errors"] == []
    groups["all"].remove("lb1")
    del groups["haproxy"], hostvars["lb1"]
    (msg,) = jitsi_plan.cluster_plan(groups, hostvars, SETTINGS)["errors"]
    assert msg.startswith("2 shard groups (shard_a, shard_b) but no host in group haproxy")
    assert jitsi_plan.cluster_plan(groups, hostvars, dict(SETTINGS, front_external=True))["errors"] == []
    groups["haproxy"] = []
    (msg,) = jitsi_plan.cluster_plan(groups, hostvars, SETTINGS)["errors"]
    assert msg.startswith("group haproxy is defined but has no hosts")


def test_one_shard_without_haproxy_is_valid():
    groups, hostvars = _inventory()
    groups["all"].remove("lb1")
    del groups["haproxy"], hostvars["lb1"]
    assert jitsi_plan.cluster_plan(groups, hostvars, SETTINGS)["errors"] == []


def test_overlay_blocks_and_indexes_are_checked_with_the_shards():
    # 6 members in /30 blocks (2 host addresses), a duplicate jitsi_overlay_index elsewhere,
    # and a shard problem: all in the one list validate.yml prints before any host changes.
    groups, hostvars = _two_shards()
    groups["all"] += ["b-jvb2"]
    groups["jvb"].append("b-jvb2")
    groups["shard_b"].append("b-jvb2")
    hostvars["b-jvb2"] = {"jitsi_shard_region": "us"}
    hostvars["b-signal"]["jitsi_bridge_pool_size"] = "eight"
    small = dict(SETTINGS, cidrs={"jitsi_overlay_wg_cidr": "10.98.0.0/30", "jitsi_overlay_cidr": "10.99.0.0/30"})
    plan = jitsi_plan.cluster_plan(groups, hostvars, small)
    assert set(plan) == {"errors"}
    assert plan["errors"] == [
        "group shard_b: jitsi_bridge_pool_size is 'eight'; set it in the vars of shard_b to a whole number of at least 2 "
        "(its bridge slots; it has 2 bridges).",
        "the overlay has 6 members but jitsi_overlay_wg_cidr=10.98.0.0/30 / jitsi_overlay_cidr=10.99.0.0/30 hold only "
        "2 host addresses: use larger blocks",
    ]
    hostvars["b-signal"]["jitsi_bridge_pool_size"] = 4
    hostvars["a-jvb1"]["jitsi_overlay_index"] = 7
    hostvars["b-jvb2"]["jitsi_overlay_index"] = 7
    (msg,) = jitsi_plan.cluster_plan(groups, hostvars, SETTINGS)["errors"]
    assert msg == "b-jvb2 and a-jvb1 both get overlay index 7: set jitsi_overlay_index on one of them to a free number from 1 to 254"


def test_turn_settings_are_checked_with_the_inventory_before_any_host_changes():
    groups, hostvars = _inventory()
    groups["turn"] = ["lb1"]
    turn = {"host": "turn.example.org", "user_quota": 12, "total_quota": 1200, "credential_ttl": 86400,
            "relay_min_port": 49152, "relay_max_port": 65535, "denied_peers": [], "turns_port": 443}
    assert jitsi_plan.cluster_plan(groups, hostvars, dict(SETTINGS, turn=turn))["errors"] == []
    (msg,) = jitsi_plan.cluster_plan(groups, hostvars, dict(SETTINGS, turn=dict(turn, turns_port=5349)))["errors"]
    assert msg.startswith("jitsi_turns_port = 5349: turn hosts lb1 are also HAProxy nodes")


def test_regions_are_checked_with_the_overlay_scope():
    groups, hostvars = _inventory()
    hostvars["a-jvb2"]["jitsi_region"] = "us"
    hostvars["lb1"]["jitsi_region"] = "us"
    regions = {"groups": [["eu", "us"]], "overlay_scope": "mesh", "overlay_links": []}
    plan = jitsi_plan.cluster_plan(groups, hostvars, dict(SETTINGS, regions=regions))
    assert plan["errors"] == []
    assert [b["region"] for b in plan["shards"]["a"]["bridges"]] == ["eu", "us"]
    # Per region, a-jvb2 (us) would peer with nobody of its shard: relays would have no path.
    plan = jitsi_plan.cluster_plan(groups, hostvars, dict(SETTINGS, regions=dict(regions, overlay_scope="region")))
    assert plan["errors"] == [e for e in plan["errors"] if "are overlay members but not overlay peers" in e] != []
    linked = dict(regions, overlay_scope="region", overlay_links=[["eu", "us"]])
    assert jitsi_plan.cluster_plan(groups, hostvars, dict(SETTINGS, regions=linked))["errors"] == []
    hostvars["lb1"]["jitsi_region"] = "ap"
    (msg,) = jitsi_plan.cluster_plan(groups, hostvars, dict(SETTINGS, regions=regions))["errors"]
    assert msg.startswith("host lb1 (group haproxy): jitsi_region 'ap' has no bridge")
