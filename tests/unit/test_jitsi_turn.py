"""TURN: coturn's peer lists, Prosody's external services, the settings' checks."""

import pytest

from jitsi_prosody import lua_value
from jitsi_inventory import is_dns_name
from jitsi_turn import AnsibleFilterError, turn_allowed_peers, turn_denied_peers, turn_errors, turn_external_services

HOSTVARS = {
    "a-jvb1": {"jitsi_host_address": "10.0.1.11", "jitsi_videobridge_public_address": "198.51.100.11"},
    "a-jvb2": {"jitsi_host_address": "10.0.1.12"},
    "b-jvb1": {"jitsi_host_address": "2001:db8::21"},
}
GOOD = {"host": "meet.example.org", "user_quota": 12, "total_quota": 1200, "credential_ttl": 86400,
        "relay_min_port": 49152, "relay_max_port": 65535, "denied_peers": [], "turns_port": 443,
        "turn_hosts": ["lb1", "turn1"], "haproxy": ["lb1", "lb2"]}


BRIDGES = ["a-jvb1", "a-jvb2", "b-jvb1"]


def test_the_bridges_media_addresses_are_allowed_public_mapping_and_host_address_once_each():
    addresses = ["10.0.1.11", "10.0.1.12", "2001:db8::21"]
    assert turn_allowed_peers(BRIDGES + ["a-jvb1"], addresses + ["10.0.1.11"], HOSTVARS) == [
        "10.0.1.11", "10.0.1.12", "198.51.100.11", "2001:db8::21"]


def test_a_bridge_address_that_is_not_an_ip_is_refused_naming_the_host():
    with pytest.raises(AnsibleFilterError, match="host a-jvb2: jitsi_host_address = 'jvb2.lan'"):
        turn_allowed_peers(BRIDGES, ["10.0.1.11", "jvb2.lan", "2001:db8::21"], HOSTVARS)


def test_denied_peers_cover_private_loopback_and_special_ranges_in_coturns_syntax():
    denied = turn_denied_peers()
    for expected in ("127.0.0.0-127.255.255.255", "10.0.0.0-10.255.255.255", "172.16.0.0-172.31.255.255",
                     "192.168.0.0-192.168.255.255", "169.254.0.0-169.254.255.255", "100.64.0.0-100.127.255.255",
                     "::1", "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"):
        assert expected in denied
    assert not any("/" in d for d in denied)  # coturn takes single addresses or first-last ranges
    assert turn_denied_peers(["203.0.113.7", "192.0.2.9/24"])[-2:] == ["203.0.113.7", "192.0.2.0-192.0.2.255"]


def test_external_services_are_upstreams_four_with_time_limited_credentials():
    services = turn_external_services("turn.example.org", {"turn": 3478, "turns": 443}, 3600)
    assert [(s["type"], s["port"], s["transport"], s.get("secret")) for s in services] == [
        ("stun", 3478, "udp", None), ("turn", 3478, "udp", True), ("turn", 3478, "tcp", True),
        ("turns", 443, "tcp", True)]
    assert all(s["host"] == "turn.example.org" for s in services)
    assert all(s["ttl"] == 3600 and s["algorithm"] == "turn" for s in services[1:])
    assert lua_value(services[3]) == ('{ type = "turns"; host = "turn.example.org"; port = 443; transport = "tcp"; '
                                      'secret = true; ttl = 3600; algorithm = "turn"; }')


def test_good_settings_pass():
    assert turn_errors(GOOD, is_dns_name) == []


def test_without_turn_hosts_nothing_is_checked():
    assert turn_errors(dict(GOOD, turn_hosts=[], user_quota=0, host="not a name"), is_dns_name) == []


@pytest.mark.parametrize("change, message", [
    ({"host": "meet example"}, "jitsi_turn_host = 'meet example'"),
    ({"host": "-bad.example.org"}, "jitsi_turn_host"),
    ({"host": "Turn.example.org"}, "jitsi_turn_host = 'Turn.example.org': the lowercase DNS name"),
    ({"user_quota": 0}, "jitsi_turn_user_quota = 0: a whole number of at least 1"),
    ({"total_quota": "many"}, "jitsi_turn_total_quota = 'many'"),
    ({"credential_ttl": -5}, "jitsi_turn_credential_ttl = -5"),
    ({"relay_min_port": 60000, "relay_max_port": 50000}, "jitsi_turn_relay_min_port/jitsi_turn_relay_max_port = 60000/50000"),
    ({"relay_min_port": 80}, "unprivileged UDP ports"),
    ({"turns_port": 5349}, "jitsi_turns_port = 5349: turn hosts lb1 are also HAProxy nodes"),
    ({"denied_peers": ["not-a-net"]}, "jitsi_turn_denied_peers: 'not-a-net' is not an address or network"),
])
def test_bad_settings_are_named_with_the_fix(change, message):
    errors = turn_errors(dict(GOOD, **change), is_dns_name)
    assert len(errors) == 1 and message in errors[0], errors


def test_a_dedicated_turn_host_may_serve_turns_on_another_port():
    assert turn_errors(dict(GOOD, turn_hosts=["turn1"], turns_port=5349), is_dns_name) == []


def test_lua_tables_refuse_keys_that_are_not_lua_names():
    with pytest.raises(AnsibleFilterError, match="keys must be Lua names"):
        lua_value({"not a name": 1})
