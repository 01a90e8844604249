"""The inventory model: shard table, slots, secrets, and every validation message."""

import time

import pytest

import jitsi_inventory as inv

DEFAULTS = {"pool_size": 10, "region": "default"}


def _inventory():
    groups = {
        "signal": ["a-signal", "b-signal"],
        "jvb": ["a-jvb1", "a-jvb2", "b-jvb1"],
        "shards": ["a-signal", "a-jvb1", "a-jvb2", "b-signal", "b-jvb1"],
        "shard_a": ["a-signal", "a-jvb1", "a-jvb2"],
        "shard_b": ["b-signal", "b-jvb1"],
    }
    a = {"jitsi_shard_region": "eu", "jitsi_bridge_pool_size": 4}
    b = {"jitsi_shard_region": "us", "jitsi_bridge_pool_size": 4}
    hostvars = {h: dict(a) for h in groups["shard_a"]}
    hostvars.update({h: dict(b) for h in groups["shard_b"]})
    hostvars["a-signal"]["ansible_host"] = "10.0.0.1"
    return groups, hostvars


def _errors(groups, hostvars, seed=True):
    return inv.inventory_errors(groups, hostvars, DEFAULTS, seed)


def test_happy_path_table():
    groups, hostvars = _inventory()
    assert _errors(groups, hostvars) == []
    table = inv.shard_table(groups, hostvars, DEFAULTS)
    assert set(table) == {"a", "b"}
    a = table["a"]
    assert a["signal"] == "a-signal" and a["signal_address"] == "10.0.0.1"
    assert a["region"] == "eu" and a["pool_size"] == 4
    assert [(b["host"], b["slot"], b["slot_name"]) for b in a["bridges"]] == [("a-jvb1", 1, "jvb-01"), ("a-jvb2", 2, "jvb-02")]
    assert table["b"]["signal_address"] == "b-signal"


@pytest.mark.parametrize(
    "host,explicit,slot",
    [("eu1-jvb3", None, 3), ("jvb-07.example.org", None, 7), ("jvb", None, None), ("x", 5, 5), ("x9", "2", 2), ("x", "two", None)],
)
def test_bridge_slot(host, explicit, slot):
    assert inv.bridge_slot(host, explicit) == slot


def test_slot_names_two_and_three_digits():
    assert inv.slot_name(3, 10) == "jvb-03"
    assert inv.slot_name(3, 150) == "jvb-003"


def test_secrets_deterministic_and_separated():
    assert inv.derive_secret("s", "a", "bridge", 1) == inv.derive_secret("s", "a", "bridge", 1)
    assert len(inv.derive_secret("s", "a", "focus")) == 64
    distinct = {
        inv.derive_secret("s", "a", "bridge", 1),
        inv.derive_secret("s", "b", "bridge", 1),
        inv.derive_secret("s", "a", "bridge", 2),
        inv.derive_secret("t", "a", "bridge", 1),
        inv.derive_secret("s", "a", "focus"),
    }
    assert len(distinct) == 5


def test_pool_is_one_account_per_slot():
    pool = inv.bridge_pool("a", 3, "meet.test", "s")
    assert [s["jid"] for s in pool] == ["jvb-01@auth.meet.test", "jvb-02@auth.meet.test", "jvb-03@auth.meet.test"]
    assert pool[0]["secret"] == inv.derive_secret("s", "a", "bridge", 1)


def test_bridge_credentials_match_pool():
    groups, hostvars = _inventory()
    table = inv.shard_table(groups, hostvars, DEFAULTS)
    cred = inv.bridge_credentials("a-jvb2", table["a"], "meet.test", "s")
    pool = inv.bridge_pool("a", 4, "meet.test", "s")
    assert (cred["jid"], cred["secret"]) == (pool[1]["jid"], pool[1]["secret"])
    assert cred["xmpp_host"] == "10.0.0.1" and cred["region"] == "eu"
    with pytest.raises(inv.AnsibleFilterError, match="b-jvb1 is not a bridge of shard a"):
        inv.bridge_credentials("b-jvb1", table["a"], "meet.test", "s")


def test_adding_a_bridge_changes_no_other():
    groups, hostvars = _inventory()
    before = inv.shard_table(groups, hostvars, DEFAULTS)["a"]["bridges"]
    groups["jvb"].append("a-jvb4")
    groups["shard_a"].append("a-jvb4")
    hostvars["a-jvb4"] = dict(hostvars["a-jvb1"])
    after = inv.shard_table(groups, hostvars, DEFAULTS)["a"]["bridges"]
    assert after[:2] == before and after[2]["slot"] == 4


def test_accounts_focus_and_every_slot():
    pool = inv.bridge_pool("a", 2, "meet.test", "s")
    assert [a["user"] for a in inv.prosody_accounts(pool, "f", "meet.test")] == ["focus", "jvb-01", "jvb-02"]


def test_host_shards():
    groups, _ = _inventory()
    shards = inv.host_shards(groups)
    assert shards["b-jvb1"] == "b" and shards["a-signal"] == "a"
    assert "lb1" not in shards


def test_snapshot_reads_each_host_once_and_only_the_plan_keys():
    class CountingHostvars(dict):
        reads = 0

        def __getitem__(self, host):
            CountingHostvars.reads += 1
            return dict.__getitem__(self, host)

    groups, hostvars = _inventory()
    groups["all"] = sorted(hostvars)
    hostvars["a-signal"]["jitsi_secret_seed"] = "not read"
    snap = inv.snapshot(groups, CountingHostvars(hostvars))
    assert CountingHostvars.reads == len(groups["all"])
    assert snap["a-signal"] == {"ansible_host": "10.0.0.1", "jitsi_shard_region": "eu", "jitsi_bridge_pool_size": 4}


# One test per validation message: it names the culprit and says what to do.
def test_missing_seed():
    groups, hostvars = _inventory()
    (msg,) = _errors(groups, hostvars, seed=False)
    assert "jitsi_secret_seed is not set" in msg and "ansible-vault encrypt_string" in msg
    # The lab reads its seed from the environment (inventories/lab/group_vars/all).
    assert "export JITSI_SHARDS_LAB_SEED=$(cat .cache/lab/seed)" in msg


def test_no_shard_groups():
    msgs = _errors({"signal": [], "jvb": []}, {})
    assert any("no shard groups" in m and "shard_<name>" in m for m in msgs)


def test_shard_without_signal():
    groups, hostvars = _inventory()
    groups["signal"].remove("b-signal")
    groups["shard_b"].remove("b-signal")
    (msg,) = _errors(groups, hostvars)
    assert msg.startswith("group shard_b has no signal node") and "add one host of group signal" in msg


def test_shard_with_two_signals():
    groups, hostvars = _inventory()
    groups["signal"].append("a-signal2")
    groups["shard_a"].append("a-signal2")
    hostvars["a-signal2"] = dict(hostvars["a-signal"])
    (msg,) = _errors(groups, hostvars)
    assert "group shard_a has 2 signal nodes (a-signal, a-signal2)" in msg and "exactly one" in msg


def test_bridge_in_no_shard():
    groups, hostvars = _inventory()
    groups["jvb"].append("lost-jvb1")
    hostvars["lost-jvb1"] = {}
    (msg,) = _errors(groups, hostvars)
    assert msg == "host lost-jvb1 (group jvb) is in no shard group: add it to exactly one shard_<name> group."


def test_bridge_in_two_shards():
    groups, hostvars = _inventory()
    groups["shard_b"].append("a-jvb2")
    msgs = _errors(groups, hostvars)
    assert any("host a-jvb2 is in shard_a and shard_b" in m and "remove it from all but one" in m for m in msgs)


def test_more_bridges_than_pool():
    groups, hostvars = _inventory()
    for h in groups["shard_a"]:
        hostvars[h]["jitsi_bridge_pool_size"] = 1
    msgs = _errors(groups, hostvars)
    assert any("group shard_a: 2 bridges but jitsi_bridge_pool_size is 1" in m and "raise jitsi_bridge_pool_size" in m for m in msgs)


def test_two_bridges_one_slot():
    groups, hostvars = _inventory()
    hostvars["a-jvb2"]["jitsi_bridge_slot"] = 1
    (msg,) = _errors(groups, hostvars)
    assert "group shard_a: hosts a-jvb1, a-jvb2 share slot 1" in msg and "set jitsi_bridge_slot" in msg


def test_slot_outside_pool():
    groups, hostvars = _inventory()
    hostvars["a-jvb2"]["jitsi_bridge_slot"] = 9
    (msg,) = _errors(groups, hostvars)
    assert msg.startswith("host a-jvb2: jitsi_bridge_slot 9 is outside the pool of shard_a (1..4)")


def test_ambiguous_slot():
    groups, hostvars = _inventory()
    groups["jvb"].append("a-bridge")
    groups["shard_a"].append("a-bridge")
    hostvars["a-bridge"] = dict(hostvars["a-jvb1"])
    (msg,) = _errors(groups, hostvars)
    assert msg.startswith("host a-bridge: ambiguous slot") and "set jitsi_bridge_slot for a-bridge" in msg


@pytest.mark.parametrize("name,why", [
    ("jitsi_bridge_mode", "component (XEP-0114) bridges were removed upstream in 2020"),
    ("jitsi_videobridge_octo_enabled", "legacy Octo was removed from jitsi-videobridge in 2022"),
    ("jitsi_videobridge_tcp_enabled", "ICE/TCP was removed from jitsi-videobridge in 2024"),
    ("common_address", "renamed: set jitsi_host_address, the one address setting per host"),
    ("jitsi_overlay_underlay_address", "renamed: set jitsi_host_address, the one address setting per host"),
])
def test_retired_settings_are_refused(name, why):
    groups, hostvars = _inventory()
    for h in groups["shard_b"]:
        hostvars[h][name] = True
    (msg,) = _errors(groups, hostvars)
    assert msg.startswith(f"{name} is set (hosts b-jvb1, b-signal) but no longer exists: {why}")
    assert msg.endswith("Remove it from the inventory.")


@pytest.mark.parametrize("name,good,bad,hosts", [
    ("jitsi_videobridge_version", "2.3-304-g8336f1931-1", "2.0.10590-1", "a-jvb1, a-jvb2, b-jvb1"),
    ("jitsi_jicofo_version", "1.0-1162-1", "1.0.1162-1", "a-signal, b-signal"),
    ("jitsi_web_version", "1.0.8792-1", "1.0-8792-1", "a-signal, b-signal"),
    ("jitsi_prosody_plugins_version", "1.0.8792-1", "latest", "a-signal, b-signal"),
])
def test_versions_in_the_real_formats(name, good, bad, hosts):
    groups, hostvars = _inventory()
    for vars_ in hostvars.values():
        vars_[name] = good
    assert _errors(groups, hostvars) == []
    for vars_ in hostvars.values():
        vars_[name] = bad
    (msg,) = _errors(groups, hostvars)
    assert msg.startswith(f"{name} is {bad!r} (hosts {hosts}), which is no version of its package")
    assert good in msg


def test_bridge_nat_settings():
    groups, hostvars = _inventory()
    hostvars["a-jvb1"].update(jitsi_videobridge_public_address="203.0.113.11", jitsi_videobridge_private_address="10.0.0.11",
                              jitsi_videobridge_stun_servers=["stun.example.org:3478"])
    assert _errors(groups, hostvars) == []
    hostvars["a-jvb1"]["jitsi_videobridge_public_address"] = "10.1.2.3"
    hostvars["a-jvb2"].update(jitsi_videobridge_private_address="10.0.0.12")
    hostvars["b-jvb1"].update(jitsi_videobridge_public_address="bridge.example.org", jitsi_videobridge_stun_servers="stun:3478")
    msgs = _errors(groups, hostvars)
    assert msgs[0].startswith("host a-jvb1: jitsi_videobridge_public_address is 10.1.2.3, a private")
    assert msgs[1] == ("host a-jvb2: jitsi_videobridge_private_address is set without jitsi_videobridge_public_address; "
                       "a static NAT mapping needs both (or unset it).")
    assert msgs[2].startswith("host b-jvb1: jitsi_videobridge_public_address is 'bridge.example.org', which is not an IP")
    assert msgs[3].startswith("host b-jvb1: jitsi_videobridge_stun_servers is 'stun:3478'; set it to a list of host:port")
    assert len(msgs) == 4


def test_valid_media_addresses_follow_the_bridge_health_rule():
    # Java's site-local ranges, loopback and link-local do not count; other addresses do.
    assert inv.valid_media_addresses(["172.18.0.5", "10.99.0.2", "127.0.0.1", "169.254.1.1", "203.0.113.7",
                                      "100.64.0.1", "not-an-ip"]) == ["203.0.113.7", "100.64.0.1"]


@pytest.mark.parametrize("size", [0, -1, "ten", "eight", "-1", " 8", 2.5, True, None])
def test_bad_pool_size(size):
    groups, hostvars = _inventory()
    for h in groups["shard_a"]:
        hostvars[h]["jitsi_bridge_pool_size"] = size
    (msg,) = _errors(groups, hostvars)
    assert msg == (f"group shard_a: jitsi_bridge_pool_size is {size!r}; set it in the vars of shard_a to a whole number "
                   f"of at least 2 (its bridge slots; it has 2 bridges).")


def test_pool_size_as_digits_counts():
    # `-e jitsi_bridge_pool_size=8` passes a string.
    groups, hostvars = _inventory()
    for h in groups["shard_a"]:
        hostvars[h]["jitsi_bridge_pool_size"] = "8"
    assert _errors(groups, hostvars) == []
    assert inv.shard_table(groups, hostvars, DEFAULTS)["a"]["pool_size"] == 8


@pytest.mark.parametrize("name,rename", [
    ("A-1", "shard_a-1"), ("eu_1", "shard_eu-1"), ("a-", "shard_a"), ("-a", "shard_a"),
    ("ü", "shard_<name> with ASCII letters"), ("a" * 64, "shard_" + "a" * 63),
])
def test_shard_names_are_dns_labels(name, rename):
    groups, hostvars = _inventory()
    groups[f"shard_{name}"] = groups.pop("shard_b")
    (msg,) = _errors(groups, hostvars)
    assert msg.startswith(f"group shard_{name}: the shard name {name!r} is not a lowercase DNS label "
                          f"(^[a-z0-9]([a-z0-9-]{{0,61}}[a-z0-9])?$)")
    assert f"Rename the group to {rename}" in msg


@pytest.mark.parametrize("name", ["b", "fra1", "eu-central-1", "0", "a" * 63])
def test_good_shard_names(name):
    groups, hostvars = _inventory()
    groups[f"shard_{name}"] = groups.pop("shard_b")
    assert _errors(groups, hostvars) == []


def test_regions_are_dns_labels():
    groups, hostvars = _inventory()
    for h in groups["shard_a"]:
        hostvars[h]["jitsi_shard_region"] = "eu west"
    hostvars["b-jvb1"]["jitsi_region"] = "US"
    hostvars["b-signal"]["jitsi_overlay_region"] = False  # an unquoted `no` in YAML
    hostvars["a-jvb2"]["jitsi_overlay_region"] = "eu\n"
    msgs = _errors(groups, hostvars)
    assert len(msgs) == 4
    assert msgs[0].startswith("jitsi_shard_region is 'eu west' (group shard_a): a shard's region goes unquoted into HAProxy")
    assert msgs[0].endswith("use 'eu-west' or another lowercase DNS label (^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$).")
    assert msgs[1].startswith("jitsi_region is 'US' (hosts b-jvb1): a bridge's region goes into its jvb.conf")
    assert "use 'us' or another lowercase DNS label" in msgs[1]
    assert msgs[2].startswith("jitsi_overlay_region is 'eu\\n' (hosts a-jvb2)") and "use 'eu'" in msgs[2]
    assert msgs[3].startswith("jitsi_overlay_region is False (hosts b-signal)") and "quote it" in msgs[3]


def test_region_set_for_all_names_the_shards_and_the_other_hosts():
    groups, hostvars = _inventory()
    hostvars["lb1"] = {}
    for vars_ in hostvars.values():
        vars_["jitsi_shard_region"] = "Europe"
    (msg,) = _errors(groups, hostvars)
    assert msg.startswith("jitsi_shard_region is 'Europe' (groups shard_a, shard_b; host lb1)")


@pytest.mark.parametrize("role,host,slot", [
    ("signal", "a-jvb1", None), ("jvb", "a-signal", None), ("haproxy", "b-jvb1", None), ("haproxy", "a-jvb2", 2),
])
def test_one_role_per_host(role, host, slot):
    groups, hostvars = _inventory()
    groups.setdefault("haproxy", [])
    groups[role].append(host)
    if slot is not None:
        hostvars[host]["jitsi_bridge_slot"] = slot
    msgs = _errors(groups, hostvars)
    if role == "signal":  # the shard now has two signal nodes as well
        msgs = [m for m in msgs if "signal nodes" not in m]
    roles = " and ".join(r for r in ("signal", "jvb", "haproxy") if host in groups[r])
    # One message: a signal node in jvb is not also reported as a bridge with an ambiguous slot.
    assert msgs == [f"host {host} is in groups {roles}: a host has one role (signal, jvb or haproxy); "
                    f"remove {host} from all but one of them and give the other role a host of its own."]


def test_front_door():
    groups, _ = _inventory()
    (msg,) = inv.front_errors(groups)
    assert msg.startswith("2 shard groups (shard_a, shard_b) but no host in group haproxy: nothing routes a room")
    assert "Add HAProxy nodes to group haproxy" in msg and "jitsi_front_external: true" in msg
    assert inv.front_errors(groups, external=True) == []
    groups["haproxy"] = []
    (msg,) = inv.front_errors(groups)
    assert msg.startswith("group haproxy is defined but has no hosts: add the HAProxy nodes to it, or remove the group")
    assert inv.front_errors(groups, external=True) == [msg]
    groups["haproxy"] = ["lb1"]
    assert inv.front_errors(groups) == []


def test_one_shard_needs_no_front_door():
    # nginx on the signal node serves it directly (the firewall then opens it to anyone).
    groups, _ = _inventory()
    del groups["shard_b"]
    assert inv.front_errors(groups) == []
    groups["haproxy"] = []
    assert len(inv.front_errors(groups)) == 1
    assert inv.front_errors({"haproxy": []}) == []  # no shards: reported as such by inventory_errors


def test_all_errors_reported_at_once():
    groups, hostvars = _inventory()
    hostvars["a-jvb2"]["jitsi_bridge_slot"] = 9
    groups["jvb"].append("lost-jvb1")
    hostvars["lost-jvb1"] = {}
    assert len(_errors(groups, hostvars, seed=False)) == 3


def test_5000_hosts_quickly():
    groups = {"signal": [], "jvb": []}
    hostvars = {}
    for s in range(250):
        members = [f"s{s}-signal"] + [f"s{s}-jvb{i}" for i in range(1, 20)]
        groups[f"shard_{s}"] = members
        groups["signal"].append(members[0])
        groups["jvb"] += members[1:]
        for h in members:
            hostvars[h] = {"jitsi_bridge_pool_size": 20}
    start = time.perf_counter()
    assert _errors(groups, hostvars) == []
    table = inv.shard_table(groups, hostvars, DEFAULTS)
    elapsed = time.perf_counter() - start
    assert sum(len(s["bridges"]) for s in table.values()) == 4750
    assert elapsed < 2.0


def test_host_address_must_be_an_ip_address():
    groups, hostvars = _inventory()
    hostvars["a-jvb1"]["jitsi_host_address"] = "10.0.0.7"
    assert _errors(groups, hostvars) == []
    hostvars["b-signal"]["jitsi_host_address"] = "b-signal.example.org"
    (msg,) = _errors(groups, hostvars)
    assert msg.startswith("host b-signal: jitsi_host_address is 'b-signal.example.org', which is not an IP address")
