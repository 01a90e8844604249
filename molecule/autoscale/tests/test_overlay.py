"""The overlay that site.yml built under the autoscaled shard carries traffic between every pair
of members, encrypted, at the computed MTU, and a member's reboot (side_effect.yml) disturbs no
one else."""

import itertools
import json
import os
import pathlib
import re
import time

import pytest

from testlib import host

MEMBERS = ["as-signal", "as-jvb1", "as-jvb2", "as-jvb3"]
# Docker's bridge MTU is 1500: wg0 = 1500 - 60, vx0 = 1440 - 50 (README: Overlay).
WG_MTU, VX_MTU = 1440, 1390
testinfra_hosts = [f"ansible://{m}" for m in MEMBERS]


def _addr(node, dev):
    out = node.check_output(f"ip -4 -o addr show dev {dev}")
    return out.split()[3].split("/")[0]


@pytest.fixture(scope="module")
def nodes():
    return {m: host(m) for m in MEMBERS}


@pytest.fixture(scope="module")
def vx(nodes):
    return {m: _addr(n, "vx0") for m, n in nodes.items()}


def test_interfaces_and_mtus(host):
    assert host.interface("wg0").exists and host.interface("vx0").exists
    assert int(host.check_output("cat /sys/class/net/wg0/mtu")) == WG_MTU
    assert int(host.check_output("cat /sys/class/net/vx0/mtu")) == VX_MTU
    details = host.check_output("ip -d link show vx0")
    assert "dev wg0" in details and "nolearning" in details and "link/ether 02:4a:53:" in details


def test_wireguard_backend_is_wireguard_go_without_the_module(host):
    if host.run("test -d /sys/module/wireguard").rc == 0:
        pytest.skip("this kernel has the WireGuard module")
    assert host.process.filter(comm="wireguard-go"), "wg0 should be served by wireguard-go"


def test_private_key_private(host):
    key = host.file("/etc/wireguard/wg0.key")
    assert key.mode == 0o600 and key.user == "root"
    assert host.file("/etc/wireguard").mode == 0o700
    # wg0.conf names the key file; the key itself is never templated or copied.
    assert "PrivateKey" not in host.file("/etc/wireguard/wg0.conf").content_string


def test_every_member_has_its_own_key(nodes):
    keys = {m: n.check_output("wg show wg0 public-key") for m, n in nodes.items()}
    assert len(set(keys.values())) == len(MEMBERS), keys


def test_static_fdb_one_entry_per_peer(host):
    fdb = host.check_output("bridge fdb show dev vx0")
    vteps = re.findall(r"00:00:00:00:00:00 dst (\S+)", fdb)
    assert len(vteps) == len(MEMBERS) - 1 == len(set(vteps))


def test_full_ping_matrix_over_vx0(nodes, vx):
    failures = []
    for a, b in itertools.permutations(MEMBERS, 2):
        if nodes[a].run(f"ping -n -c 2 -W 2 {vx[b]}").rc != 0:
            failures.append(f"{a} -> {b}")
    assert not failures, failures


def test_dont_fragment_ping_at_mtu_passes_and_one_byte_more_fails(nodes, vx):
    a, b = nodes["as-jvb1"], vx["as-jvb2"]
    payload = VX_MTU - 28  # IPv4 20 + ICMP 8
    assert a.run(f"ping -n -M do -c 2 -W 2 -s {payload} {b}").rc == 0
    too_big = a.run(f"ping -n -M do -c 2 -W 2 -s {payload + 1} {b}")
    assert too_big.rc != 0


def test_underlay_carries_only_wireguard(nodes, vx):
    """While vx0 carries pings and media-port UDP, eth0 shows nothing but WireGuard UDP.

    Between two bridges: a bridge's XMPP to its signal node takes the underlay (roles/jitsi_videobridge).
    """
    a, b = nodes["as-jvb2"], nodes["as-jvb3"]
    a.run("rm -f /tmp/underlay.pcap")
    a.run("timeout 6 tcpdump -i eth0 -nn -U -w /tmp/underlay.pcap 'not arp' >/dev/null 2>&1 &")
    time.sleep(1.5)
    a.run(f"ping -n -c 5 -i 0.2 {vx['as-jvb3']}")
    # UDP to the media port across the overlay, as a relay between bridges would send it.
    a.run(f"python3 -c \"import socket; s=socket.socket(2,2); [s.sendto(b'relay', ('{vx['as-jvb3']}', 10000)) for _ in range(5)]\"")
    time.sleep(5)
    lines = a.check_output("tcpdump -nn -r /tmp/underlay.pcap 2>/dev/null").splitlines()
    underlay_b = _addr(b, "eth0")
    between = [line for line in lines if underlay_b in line]
    assert len(between) >= 10, lines
    others = [line for line in between if ".51820" not in line]
    assert not others, others[:5]


def test_restarted_member_came_back_and_the_others_never_lost_each_other():
    record = json.loads((pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "restart.json").read_text())
    text = record["ping"]
    sent, received = map(int, re.search(r"(\d+) packets transmitted, (\d+) received", text).groups())
    assert sent == 50 and received == sent, text
    # The rebooted member was a standby the autoscaler had shut down: its bridge stays down
    # (disabled), its overlay is back (test_full_ping_matrix_over_vx0 includes it).
    assert record["restarted"] in MEMBERS and record["bridge_after_boot"] == "inactive", record


def test_wireguard_reload_keeps_the_key_and_the_tunnels(host, vx):
    assert host.run("systemctl reload wg-quick@wg0").rc == 0
    assert host.check_output("wg show wg0 private-key") != "(none)"
    others = [a for a in vx.values() if a != host.interface("vx0").addresses[0]]
    for address in others:
        assert host.run(f"ping -n -c 1 -W 2 {address}").rc == 0, address


def test_vx0_survives_a_reload_without_touching_the_fdb(host):
    before = host.check_output("bridge fdb show dev vx0 | sort")
    assert host.run("systemctl reload jitsi-shards-vxlan").rc == 0
    assert host.check_output("bridge fdb show dev vx0 | sort") == before

