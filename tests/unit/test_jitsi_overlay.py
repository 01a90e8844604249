"""The overlay plan: addresses stable per host, validation messages, peers, FDB, MTU."""


import pytest

import jitsi_overlay as ov

WG, VX = "10.98.0.0/16", "10.99.0.0/16"
CIDRS = {"jitsi_overlay_wg_cidr": WG, "jitsi_overlay_cidr": VX}


def _hostvars(hosts, **extra):
    return {h: dict(extra.get(h, {})) for h in hosts}


def test_members_from_groups_sorted_once():
    groups = {"signal": ["s1"], "jvb": ["j2", "j1"], "haproxy": ["h1"]}
    assert ov.members(groups, ["signal", "jvb", "signal"]) == ["j1", "j2", "s1"]


def test_addresses_share_the_host_number_in_both_blocks():
    hosts = ["a", "b", "c"]
    plan = ov.addresses(hosts, _hostvars(hosts), WG, VX)
    for host in hosts:
        assert plan[host]["wg"].split(".")[2:] == plan[host]["vx"].split(".")[2:]
        assert plan[host]["wg"].startswith("10.98.") and plan[host]["vx"].startswith("10.99.")
    assert len({p["wg"] for p in plan.values()}) == 3


def test_a_host_added_in_the_middle_renumbers_nobody():
    before = ["jvb-a1", "jvb-a3", "signal-a"]
    after = ["jvb-a1", "jvb-a2", "jvb-a3", "signal-a"]
    plan_before = ov.addresses(before, _hostvars(before), WG, VX)
    plan_after = ov.addresses(after, _hostvars(after), WG, VX)
    for host in before:
        assert plan_before[host] == plan_after[host]


def test_explicit_index_wins_and_never_hits_network_or_broadcast():
    hosts = ["a", "b"]
    plan = ov.addresses(hosts, _hostvars(hosts, a={"jitsi_overlay_index": 7}), "10.0.0.0/24", "10.1.0.0/24")
    assert plan["a"] == {"index": 7, "wg": "10.0.0.7", "vx": "10.1.0.7", "wg_cidr": "10.0.0.7/24", "vx_cidr": "10.1.0.7/24",
                         "mac": "02:4a:53:00:00:07"}
    for many in range(200):
        index = ov.derived_index(f"host{many}", 1, 254)
        assert 1 <= index <= 254


def test_cidr_too_small_for_the_members():
    hosts = [f"h{i}" for i in range(7)]
    errors = ov.overlay_errors(hosts, _hostvars(hosts), {"jitsi_overlay_cidr": "10.0.0.0/29", "jitsi_overlay_wg_cidr": WG})
    assert len(errors) == 1 and "7 members" in errors[0] and "6 host addresses" in errors[0]


def test_duplicate_addresses_name_both_hosts_and_the_fix():
    hosts = ["a", "b"]
    errors = ov.overlay_errors(hosts, _hostvars(hosts, a={"jitsi_overlay_index": 5}, b={"jitsi_overlay_index": 5}), CIDRS)
    assert errors == ["b and a both get overlay index 5: set jitsi_overlay_index on one of them to a free number from 1 to 65534"]


def test_derived_collision_is_reported_not_renumbered():
    # In a /29 (6 addresses) some pair of these names must collide (pigeonhole over 7 names
    # is avoided by the size check, so search for a colliding pair instead).
    names = [f"n{i}" for i in range(40)]
    by_index = {}
    for name in names:
        by_index.setdefault(ov.derived_index(name, 1, 6), []).append(name)
    pair = next(v[:2] for v in by_index.values() if len(v) > 1)
    errors = ov.overlay_errors(pair, _hostvars(pair), {"x": "10.0.0.0/29"})
    assert len(errors) == 1 and pair[0] in errors[0] and pair[1] in errors[0]


@pytest.mark.parametrize("value", ["x", -1, 0, 65535, 70000])
def test_explicit_index_out_of_range(value):
    errors = ov.overlay_errors(["a"], {"a": {"jitsi_overlay_index": value}}, CIDRS)
    assert errors == [f"a: jitsi_overlay_index = {value!r} must be a number from 1 to 65534"]


def test_bad_cidr_is_named():
    errors = ov.overlay_errors(["a"], {"a": {}}, {"jitsi_overlay_cidr": "10.0.0.300/24"})
    assert errors == ["jitsi_overlay_cidr = '10.0.0.300/24' is not a network in CIDR notation (e.g. 10.99.0.0/16)"]


def test_regions_from_overlay_var_then_shard():
    hv = {"a": {"jitsi_shard_region": "eu"}, "b": {"jitsi_overlay_region": "us", "jitsi_shard_region": "eu"}, "c": {}}
    assert ov.regions(["a", "b", "c"], hv) == {"a": "eu", "b": "us", "c": "default"}


def test_peers_full_mesh_and_per_region_with_links():
    hosts = ["eu1", "eu2", "us1", "us2", "ap1"]
    reg = {"eu1": "eu", "eu2": "eu", "us1": "us", "us2": "us", "ap1": "ap"}
    assert ov.peers("eu1", hosts, reg) == ["eu2", "us1", "us2", "ap1"]
    assert ov.peers("eu1", hosts, reg, "region") == ["eu2"]
    assert ov.peers("eu1", hosts, reg, "region", [["eu", "us"]]) == ["eu2", "us1", "us2"]
    assert ov.peers("ap1", hosts, reg, "region", [["eu", "us"]]) == []
    with pytest.raises(ValueError, match="jitsi_overlay_scope"):
        ov.peers("eu1", hosts, reg, "star")


def test_fdb_lists_each_peer_vtep_once():
    plan = {"a": {"wg": "10.98.0.1"}, "b": {"wg": "10.98.0.2"}, "c": {"wg": "10.98.0.3"}}
    assert ov.fdb("a", ["b", "c"], plan) == ["10.98.0.2", "10.98.0.3"]


def test_mtu_arithmetic():
    # 1500 - 60 (IPv4 + UDP + WireGuard) = 1440; 1440 - 50 (IPv4 + UDP + VXLAN + Ethernet) = 1390
    assert ov.mtu(1500) == {"wg": 1440, "vx": 1390}
    assert ov.mtu(1500, underlay_version=6) == {"wg": 1420, "vx": 1370}
    assert ov.mtu(9000, 4, 6) == {"wg": 8940, "vx": 8870}


def test_wireguard_peers_carry_key_endpoint_and_host_route():
    plan = {"b": {"wg": "10.98.0.2"}, "c": {"wg": "fd00::3"}}
    hostvars = {"b": {"jitsi_overlay_underlay": "172.18.0.3", "jitsi_wireguard_public_key": "KEYB="},
                "c": {"jitsi_overlay_underlay": "2001:db8::3"}}
    assert ov.wireguard_peers(["b", "c"], plan, hostvars, 51820) == [
        {"host": "b", "public_key": "KEYB=", "endpoint": "172.18.0.3:51820", "allowed_ips": "10.98.0.2/32"},
        {"host": "c", "public_key": None, "endpoint": "[2001:db8::3]:51820", "allowed_ips": "fd00::3/128"},
    ]


def test_vx0_mac_is_stable_unique_and_locally_administered():
    assert ov.mac(65534) == "02:4a:53:00:ff:fe"
    assert len({ov.mac(i) for i in range(1, 5000)}) == 4999


def test_probe_targets_name_each_peer_with_its_vx0_address():
    plan = {"a": {"wg": "10.98.0.1", "vx": "10.99.0.1"}, "b": {"wg": "10.98.0.2", "vx": "10.99.0.2"}}
    assert ov.probe_targets(["b"], plan) == ["b=10.99.0.2"]
    assert ov.probe_targets([], plan) == []


def test_a_peer_missing_from_this_run_keeps_its_cached_key_and_endpoint():
    plan = {"b": {"wg": "10.98.0.2", "vx": "10.99.0.2"}}
    now = {"b": {"jitsi_wireguard_public_key": "K2", "jitsi_overlay_underlay": "192.0.2.2"}}
    cached = {"b": {"ansible_facts": {"jitsi_wireguard_last_public_key": "K2", "jitsi_overlay_last_underlay": "192.0.2.2"}}}
    assert ov.wireguard_peers(["b"], plan, cached, 51820) == ov.wireguard_peers(["b"], plan, now, 51820)
    assert ov.wireguard_peers(["b"], plan, {"b": {}}, 51820)[0]["public_key"] is None
