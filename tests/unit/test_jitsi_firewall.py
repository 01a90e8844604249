"""The firewall plan: who may reach which port, per host role."""

import pytest

from jitsi_firewall import AnsibleFilterError, admits, firewall_errors, firewall_rules

PORTS = {
    "ssh": 22, "http": 80, "https": 443, "haproxy_peers": 10000, "haproxy_stats": 8404, "nginx_https": 443,
    "jicofo_rest": 8888, "shard_state": 8889, "xmpp_c2s": 5222, "jvb_udp": 10000, "jvb_rest": 8080, "wireguard": 51820, "vxlan": 4789,
    "autoscaler_metrics": 9780, "turn": 3478, "turns": 443, "turn_relay_min": 49152, "turn_relay_max": 65535,
}
SETTINGS = {"admin_cidrs": ["192.0.2.0/24"], "monitoring_cidrs": [], "monitoring_ports": []}
GROUPS = {
    "haproxy": ["h1", "h2"], "signal": ["a-signal", "b-signal"], "jvb": ["a-jvb1", "a-jvb2", "b-jvb1"],
}
ADDR = {"h1": "10.0.0.1", "h2": "10.0.0.2", "a-signal": "10.0.1.1", "a-jvb1": "10.0.1.11", "a-jvb2": "10.0.1.12",
        "b-signal": "10.0.2.1", "b-jvb1": "2001:db8::21"}
HOSTVARS = {h: {"jitsi_overlay_underlay": a} for h, a in ADDR.items()}
SHARDS = {
    "a": {"name": "a", "signal": "a-signal", "bridges": [{"host": "a-jvb1"}, {"host": "a-jvb2"}]},
    "b": {"name": "b", "signal": "b-signal", "bridges": [{"host": "b-jvb1"}]},
}
MEMBERS = ["a-signal", "a-jvb1", "a-jvb2", "b-signal", "b-jvb1"]
PLAN = {h: {"wg": f"10.98.0.{i}", "vx": f"10.99.0.{i}"} for i, h in enumerate(MEMBERS, start=1)}


def _overlay(host):
    return {"plan": PLAN, "peers": [m for m in MEMBERS if m != host] if host in PLAN else []}


def rules(host, groups=GROUPS, settings=SETTINGS, hostvars=HOSTVARS):
    return [r["statement"] for r in firewall_rules(host, groups, SHARDS, hostvars, PORTS, settings, _overlay(host))]


def test_haproxy_serves_the_public_and_its_peers_only():
    assert rules("h1") == [
        "ip saddr { 192.0.2.0/24 } tcp dport 22 counter accept",
        "tcp dport 80 counter accept",
        "tcp dport 443 counter accept",
        "ip saddr { 10.0.0.2 } tcp dport 10000 counter accept",
    ]


def test_signal_node_admits_its_own_bridges_and_the_haproxy_nodes():
    statements = rules("a-signal")
    assert "ip saddr { 10.0.0.1, 10.0.0.2 } tcp dport 443 counter accept" in statements
    assert "ip saddr { 10.0.0.1, 10.0.0.2 } tcp dport 8888 counter accept" in statements
    assert "ip saddr { 10.0.0.1, 10.0.0.2 } tcp dport 8889 counter accept" in statements
    # Its bridges by underlay and overlay address; shard b's bridge is not among them.
    assert "ip saddr { 10.0.1.11, 10.0.1.12, 10.99.0.2, 10.99.0.3 } tcp dport 5222 counter accept" in statements
    assert not any("5347" in s or "5280" in s or "dport 80 " in s for s in statements)


def test_ipv6_bridges_reach_their_signal_node_over_c2s():
    statements = rules("b-signal")
    assert "ip6 saddr { 2001:db8::21 } tcp dport 5222 counter accept" in statements
    assert "ip saddr { 10.99.0.5 } tcp dport 5222 counter accept" in statements
    assert not any("5347" in s for s in statements)


def test_without_haproxy_the_signal_node_is_the_front_door():
    groups = {k: v for k, v in GROUPS.items() if k != "haproxy"}
    statements = rules("a-signal", groups=groups)
    assert "tcp dport 80 counter accept" in statements and "tcp dport 443 counter accept" in statements
    assert not any("8888" in s or "8889" in s for s in statements)  # nobody needs Jicofo's REST or the agent


def test_bridge_media_is_public_rest_is_not():
    statements = rules("a-jvb1")
    assert "udp dport 10000 counter accept" in statements
    assert not any("8080" in s or "4443" in s or "4096" in s for s in statements)


def test_monitoring_networks_reach_the_bridge_rest_api():
    settings = dict(SETTINGS, monitoring_cidrs=["198.51.100.0/24"], monitoring_ports=[9100])
    statements = rules("a-jvb1", settings=settings)
    assert "ip saddr { 198.51.100.0/24 } tcp dport 8080 counter accept" in statements
    assert "ip saddr { 198.51.100.0/24 } tcp dport 9100 counter accept" in statements
    # ICE/TCP (removed from the bridge in 2024) and legacy Octo (2022) have no port any more.
    assert not any("4443" in s or "4096" in s for s in statements)


def test_overlay_ports_admit_only_peers():
    statements = rules("a-jvb2")
    assert "ip saddr { 10.0.1.1, 10.0.1.11, 10.0.2.1 } udp dport 51820 counter accept" in statements
    assert "ip6 saddr { 2001:db8::21 } udp dport 51820 counter accept" in statements
    assert 'iifname "wg0" ip saddr { 10.98.0.1, 10.98.0.2, 10.98.0.4, 10.98.0.5 } udp dport 4789 counter accept' in statements
    assert not any("51820" in s for s in rules("h1"))


def test_no_admin_network_closes_ssh():
    assert not any("dport 22" in s for s in rules("h1", settings=dict(SETTINGS, admin_cidrs=[])))


def test_a_host_without_an_address_is_named():
    hostvars = dict(HOSTVARS, **{"a-jvb2": {}})
    with pytest.raises(AnsibleFilterError, match="host a-jvb2: no address known.*failed or was unreachable"):
        rules("a-signal", hostvars=hostvars)


def test_a_host_that_failed_in_this_run_keeps_its_cached_address():
    # Its overlay role never ran in this run; an earlier run cached its address (fact cache).
    hostvars = dict(HOSTVARS, **{"a-jvb2": {"ansible_facts": {"jitsi_overlay_last_underlay": "10.0.1.12"}}})
    assert rules("a-signal", hostvars=hostvars) == rules("a-signal")


def test_extra_addresses_and_names_rejected():
    hostvars = dict(HOSTVARS, **{"h2": {"jitsi_overlay_underlay": "10.0.0.2", "jitsi_firewall_extra_addresses": ["10.5.0.2"]}})
    assert "ip saddr { 10.0.0.2, 10.5.0.2 } tcp dport 10000 counter accept" in rules("h1", hostvars=hostvars)
    hostvars = dict(HOSTVARS, **{"h2": {"jitsi_overlay_underlay": "front2.example.org"}})
    with pytest.raises(AnsibleFilterError, match="host h2: 'front2.example.org' is not an IP address"):
        rules("h1", hostvars=hostvars)


def test_errors_name_the_variable():
    errors = firewall_errors(dict(PORTS, ssh="x"), dict(SETTINGS, admin_cidrs=["10.0.0.0/33"], monitoring_cidrs="10.0.0.0/8",
                                                         monitoring_ports=[70000]))
    assert errors == [
        "jitsi_firewall_admin_cidrs: '10.0.0.0/33' is not an address or network (e.g. 192.0.2.0/24)",
        "jitsi_firewall_monitoring_cidrs must be a list of networks, e.g. ['192.0.2.0/24'], not '10.0.0.0/8'",
        "jitsi_firewall_ports.ssh = 'x' is not a port number (1-65535)",
        "jitsi_firewall_monitoring_ports: 70000 is not a port number (1-65535)",
    ]
    assert firewall_errors(PORTS, SETTINGS) == []


def test_lock_out_guard():
    assert admits("192.0.2.44", ["198.51.100.0/24", "192.0.2.0/24"])
    assert not admits("203.0.113.9", ["192.0.2.0/24"])
    assert not admits("2001:db8::1", ["192.0.2.0/24"])
    assert not admits("192.0.2.44", [])


def _autoscaled(host, provider="systemd", scaler=""):
    shards = {name: dict(shard) for name, shard in SHARDS.items()}
    shards["a"]["autoscale"] = {"enabled": True, "provider": provider, "host": scaler}
    return [r["statement"] for r in firewall_rules(host, GROUPS, shards, HOSTVARS, PORTS, SETTINGS, _overlay(host))]


def test_the_autoscaler_reaches_its_bridges_rest_and_forced_command_only():
    # a-signal runs shard a's autoscaler: underlay 10.0.1.1, overlay 10.99.0.1.
    bridge = _autoscaled("a-jvb1")
    assert "ip saddr { 10.0.1.1, 10.99.0.1 } tcp dport 8080 counter accept" in bridge
    assert "ip saddr { 10.0.1.1, 10.99.0.1 } tcp dport 22 counter accept" in bridge
    # The command provider acts from outside: no SSH for it; shard b's bridges are not its business.
    assert not any("dport 22" in r and "10.99.0.1" in r for r in _autoscaled("a-jvb1", provider="command"))
    assert not any("10.99.0.1" in r for r in _autoscaled("b-jvb1"))


def test_autoscaler_metrics_are_open_to_the_cluster_only():
    # Every overlay member's vx0 address (sorted by address), nobody else.
    assert "ip saddr { 10.99.0.1, 10.99.0.2, 10.99.0.3, 10.99.0.4, 10.99.0.5 } tcp dport 9780 counter accept" \
        in _autoscaled("a-signal")
    assert not any("dport 9780" in r for r in rules("a-signal"))
    assert not any("dport 9780" in r for r in _autoscaled("b-signal"))


def test_an_autoscaler_elsewhere_reads_the_shard_state():
    # Shard a's autoscaler on b-signal: a-signal's state agent admits it besides the HAProxy nodes.
    assert "ip saddr { 10.0.0.1, 10.0.0.2, 10.0.2.1, 10.99.0.4 } tcp dport 8889 counter accept" in _autoscaled(
        "a-signal", scaler="b-signal")
    assert any("dport 9780" in r for r in _autoscaled("b-signal", scaler="b-signal"))


def test_a_turn_host_opens_turn_and_its_relay_range_to_anyone_and_turns_when_haproxy_does_not():
    groups = dict(GROUPS, turn=["h1", "t1"])
    hostvars = dict(HOSTVARS, t1={"jitsi_overlay_underlay": "10.0.0.9"})
    shared, alone = rules("h1", groups, hostvars=hostvars), rules("t1", groups, hostvars=hostvars)
    for found in (shared, alone):
        assert "udp dport 3478 counter accept" in found
        assert "tcp dport 3478 counter accept" in found
        assert "udp dport 49152-65535 counter accept" in found
    # On the HAProxy node TURNS arrives on HTTPS's 443 (opened once, for both); alone it opens it.
    assert shared.count("tcp dport 443 counter accept") == 1
    assert "tcp dport 443 counter accept" in alone
    assert not any("3478" in r or "49152" in r for r in rules("h2", groups, hostvars=hostvars))


def test_acme_host_may_reach_the_other_haproxy_nodes_ssh_only():
    settings = dict(SETTINGS, acme_host="h1")
    assert "ip saddr { 10.0.0.1 } tcp dport 22 counter accept" in rules("h2", settings=settings)
    assert "ip saddr { 10.0.0.1 } tcp dport 22 counter accept" not in rules("h1", settings=settings)
    assert not any("10.0.0.1 } tcp dport 22" in s for s in rules("a-signal", settings=settings))
    assert rules("h2", settings=dict(SETTINGS, acme_host="")) == rules("h2")


def _hooked(host, hook, hostvars=HOSTVARS):
    return [r["statement"] for r in firewall_rules(host, GROUPS, SHARDS, hostvars, PORTS, SETTINGS, _overlay(host))
            if r.get("hook") == hook]


def test_relays_between_bridges_ride_only_the_overlay():
    hostvars = dict(HOSTVARS, **{"a-jvb2": {"jitsi_overlay_underlay": "10.0.1.12",
                                            "jitsi_videobridge_public_address": "203.0.113.12"}})
    # Ahead of conntrack: UDP from the other bridges' underlay and public addresses (WireGuard
    # excepted), and on wg0 anything but VXLAN; an ICE check of ours would let theirs in as a reply.
    assert _hooked("a-jvb1", "early", hostvars) == [
        "ip saddr { 10.0.1.12, 203.0.113.12 } udp sport != 51820 udp dport != 51820 counter drop",
        "ip6 saddr { 2001:db8::21 } udp sport != 51820 udp dport != 51820 counter drop",
        'iifname "wg0" ip saddr { 10.98.0.3, 10.98.0.5 } udp dport != 4789 counter drop',
    ]
    # And nothing goes out that way either: tcpdump on the underlay sees only WireGuard.
    assert _hooked("a-jvb1", "output", hostvars) == [
        "ip daddr { 10.0.1.12, 203.0.113.12 } udp sport != 51820 udp dport != 51820 counter drop",
        "ip6 daddr { 2001:db8::21 } udp sport != 51820 udp dport != 51820 counter drop",
        'oifname "wg0" ip daddr { 10.98.0.3, 10.98.0.5 } udp dport != 4789 counter drop',
    ]
    # vx0 admits the other bridges on any unprivileged port (a relay's initiator has its own).
    assert 'iifname "vx0" ip saddr { 10.99.0.3, 10.99.0.5 } udp dport 1024-65535 counter accept' in rules("a-jvb1")
    # Signal nodes and HAProxy nodes get none of it; a bridge outside the overlay neither.
    for host in ("a-signal", "h1"):
        assert not [r for r in firewall_rules(host, GROUPS, SHARDS, HOSTVARS, PORTS, SETTINGS, _overlay(host)) if "hook" in r]
    alone = firewall_rules("a-jvb1", GROUPS, SHARDS, HOSTVARS, PORTS, SETTINGS, {"plan": {}, "peers": []})
    assert not [r for r in alone if "hook" in r] and not any("vx0" in r["statement"] for r in alone)
