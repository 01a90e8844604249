"""The bridge stand-in's ICE side: harvested addresses, mappings, candidates, health rule, STUN."""

import json
import socket
import struct
import threading

import pytest

from jitsi_standin import config, hocon, ice, stun

# `ip -j addr` of a container with an overlay and a WireGuard link (trimmed).
IP_JSON = json.dumps([
    {"ifindex": 1, "ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"],
     "addr_info": [{"family": "inet", "local": "127.0.0.1"}, {"family": "inet6", "local": "::1"}]},
    {"ifindex": 2, "ifname": "eth0", "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
     "addr_info": [{"family": "inet", "local": "172.18.0.5"}, {"family": "inet6", "local": "fe80::42:acff:fe12:5"}]},
    {"ifindex": 3, "ifname": "wg0", "flags": ["POINTOPOINT", "UP", "LOWER_UP"],
     "addr_info": [{"family": "inet", "local": "10.99.0.5"}]},
    {"ifindex": 4, "ifname": "vx0", "flags": ["BROADCAST", "MULTICAST"],
     "addr_info": [{"family": "inet", "local": "10.98.0.5"}]},
])


def _harvest(text=""):
    return config.harvest(hocon.loads(text))


@pytest.mark.parametrize("address, valid", [
    ("10.1.2.3", False), ("172.16.0.1", False), ("172.31.255.255", False), ("192.168.1.1", False),
    ("127.0.0.1", False), ("169.254.1.1", False), ("fe80::1", False), ("fec0::1", False), ("::1", False),
    # Java's isSiteLocalAddress knows only RFC 1918: these count as valid for the health check.
    ("172.32.0.1", True), ("100.64.0.1", True), ("203.0.113.11", True), ("198.51.100.7", True),
    ("8.8.8.8", True), ("fd00::1", True), ("2001:db8::1", True),
])
def test_address_validity_is_javas(address, valid):
    assert ice.is_valid(address) is valid


def test_harvest_skips_loopback_and_down_interfaces():
    found = ice.allowed_addresses(ice.interfaces(IP_JSON), _harvest())
    assert found == [("172.18.0.5", 0), ("fe80::42:acff:fe12:5", 2), ("10.99.0.5", 0)]


def test_blocked_and_allowed_interfaces_and_addresses():
    ifaces = ice.interfaces(IP_JSON)
    assert [a for a, _ in ice.allowed_addresses(ifaces, _harvest('ice4j.harvest.blocked-interfaces = ["wg0"]'))] \
        == ["172.18.0.5", "fe80::42:acff:fe12:5"]
    # allowed-interfaces wins: blocked-interfaces is then not looked at.
    only = _harvest('ice4j.harvest { allowed-interfaces = ["wg0"], blocked-interfaces = ["wg0"] }')
    assert ice.allowed_addresses(ifaces, only) == [("10.99.0.5", 0)]
    no_v6 = _harvest("ice4j.harvest { use-ipv6 = false, blocked-addresses = [\"10.99.0.5\"] }")
    assert ice.allowed_addresses(ifaces, no_v6) == [("172.18.0.5", 0)]


def _static(text):
    return ice.static_mappings(_harvest("ice4j.harvest.mapping.static-mappings = [ " + text + " ]"))


def test_static_mapping_gives_a_server_reflexive_candidate_for_its_local_address():
    mappings = ice.prune(_static('{ local-address = "172.18.0.5", public-address = "203.0.113.11", name = "public" }'))
    found = ice.candidates(["172.18.0.5", "10.99.0.5"], 10000, mappings)
    assert found == [
        {"type": "host", "protocol": "udp", "ip": "172.18.0.5", "port": 10000},
        {"type": "host", "protocol": "udp", "ip": "10.99.0.5", "port": 10000},
        {"type": "srflx", "protocol": "udp", "ip": "203.0.113.11", "port": 10000, "rel-addr": "172.18.0.5",
         "rel-port": 10000, "mapping": "public"},
    ]


def test_static_mapping_with_ports_applies_to_that_port_only():
    mappings = _static('{ local-address = "172.18.0.5", public-address = "203.0.113.11", '
                       'local-port = 10000, public-port = 20000 }')
    assert ice.candidates(["172.18.0.5"], 10000, mappings)[-1]["port"] == 20000
    assert [c["type"] for c in ice.candidates(["172.18.0.5"], 10001, mappings)] == ["host"]


def test_mapping_for_another_address_adds_no_candidate_but_counts_for_health():
    mappings = ice.prune(_static('{ local-address = "172.18.0.9", public-address = "203.0.113.11" }'))
    assert [c["type"] for c in ice.candidates(["172.18.0.5"], 10000, mappings)] == ["host"]
    assert ice.health(True, ["172.18.0.5"], mappings).success


def test_empty_local_address_is_the_loopback_address_like_java():
    (mapping,) = _static('{ local-address = "", public-address = "203.0.113.11" }')
    assert mapping.face == ("127.0.0.1", None)


def test_prune_drops_identity_and_duplicate_mappings():
    mappings = _static('{ local-address = "10.0.0.1", public-address = "10.0.0.1" }, '
                       '{ local-address = "10.0.0.2", public-address = "203.0.113.2", name = "a" }, '
                       '{ local-address = "10.0.0.2", public-address = "203.0.113.2", name = "b" }')
    assert [m.name for m in ice.prune(mappings)] == ["a"]


def test_hostnames_come_from_the_hosts_file_only(tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n172.18.0.9 stun-lab stun-lab.test # comment\n")
    assert ice.resolve("stun-lab.test", str(hosts)) == "172.18.0.9"
    assert ice.resolve("stun.example.org", str(hosts)) is None
    assert ice.resolve("203.0.113.1", str(hosts)) == "203.0.113.1"


def test_health_needs_a_valid_address_unless_told_otherwise():
    result = ice.health(True, ["172.18.0.5", "10.99.0.5"], [])
    assert (result.success, result.message) == (False, "No valid IP addresses available for harvesting.")
    assert ice.health(False, ["172.18.0.5"], []).success
    assert ice.health(True, ["198.51.100.5"], []).success
    public = ice.Mapping("public", ("172.18.0.5", None), ("203.0.113.11", None))
    assert ice.health(True, ["172.18.0.5"], [public]).success
    # A mapping to another private address does not help.
    private = ice.Mapping("nat", ("172.18.0.5", None), ("192.168.7.7", None))
    assert not ice.health(True, ["172.18.0.5"], [private]).success


def test_health_fails_without_a_bound_socket_and_on_required_stun():
    assert ice.health(False, [], []).message == "Failed to bind single-port"
    assert ice.health(False, ["172.18.0.5"], [], require_stun=True, stun_failed=True).message \
        == "Address discovery through STUN failed"


# STUN --------------------------------------------------------------------------------------------

def test_binding_request_gets_the_xor_mapped_address():
    request = stun.build(stun.BINDING_REQUEST, b"0123456789ab", fingerprint=False)
    answer = stun.binding_response(request, ("192.0.2.7", 40000))
    assert ice.mapped_address(answer, b"0123456789ab") == ("192.0.2.7", 40000)
    assert ice.mapped_address(answer, b"another-txid") is None


def test_anything_but_a_binding_request_is_not_answered():
    assert stun.binding_response(b"hello", ("192.0.2.7", 1)) is None
    assert stun.binding_response(struct.pack("!HHI", 0x0111, 0, stun.MAGIC) + b"x" * 12, ("192.0.2.7", 1)) is None
    assert stun.binding_response(struct.pack("!HHI", 1, 0, 0) + b"x" * 12, ("192.0.2.7", 1)) is None


@pytest.fixture
def stun_server():
    """A STUN server on loopback that says every client is 203.0.113.50:<client port + 1>."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)

    def serve():
        try:
            data, peer = sock.recvfrom(2048)
        except OSError:
            return
        sock.sendto(stun.binding_response(data, ("203.0.113.50", peer[1] + 1)), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    thread.join(6)
    sock.close()


def test_stun_discovery_reports_the_mapped_address(stun_server):
    face, mask = ice.stun_discover("127.0.0.1", stun_server)
    assert face[0] == "127.0.0.1" and mask == ("203.0.113.50", face[1] + 1)
    mapping = ice.Mapping("stun", face, mask)
    assert ice.candidates(["127.0.0.1"], 10000, [mapping])[-1]["ip"] == "203.0.113.50"


def test_stun_discovery_gives_up_when_nobody_answers():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        assert ice.stun_discover("127.0.0.1", f"127.0.0.1:{silent.getsockname()[1]}", waits=(0.1, 0.1)) is None


@pytest.mark.parametrize("server", ["stun.example.org:3478", "203.0.113.9:3478", "8.8.8.8:3478", "127.0.0.1:x"])
def test_stun_is_never_sent_off_the_test_networks(server):
    assert ice.stun_discover("127.0.0.1", server, waits=(0.1,)) is None
