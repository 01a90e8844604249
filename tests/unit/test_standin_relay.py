"""The bridge stand-in's relays: STUN checks (stun.py), pair ordering and real ICE between two agents on
loopback addresses (relay.py), and the colibri2 flow from Jicofo's allocations to two bridges
(allocation.py, colibri.py)."""

import asyncio
import socket
import struct
import xml.etree.ElementTree as ET

import pytest

from jitsi_standin import colibri, config, hocon, relay, stun
from jitsi_standin.allocation import Allocations
from jitsi_standin.jicofo_state import JicofoState


def test_check_request_round_trip_and_integrity():
    tid = stun.transaction_id()
    request = stun.check_request(tid, "LOCAL", "REMOTE", "remote-password-123456", 1234, True, b"\1" * 8,
                                 use_candidate=True)
    message = stun.parse(request)
    assert message.kind == stun.BINDING_REQUEST and message.transaction == tid
    assert message.username == "REMOTE:LOCAL" and message.priority == 1234
    assert message.has(stun.USE_CANDIDATE) and message.has(stun.ICE_CONTROLLING)
    assert message.integrity_ok("remote-password-123456") and message.fingerprint_ok()
    assert not message.integrity_ok("wrong-password")
    answer = stun.parse(stun.check_response(message, ("192.0.2.7", 40000), "remote-password-123456"))
    assert answer.kind == stun.BINDING_SUCCESS and answer.transaction == tid
    assert answer.mapped_address == ("192.0.2.7", 40000)
    assert answer.integrity_ok("remote-password-123456") and not answer.integrity_ok("x")


def test_corrupted_messages_fail_fingerprint_or_parse():
    data = bytearray(stun.check_request(stun.transaction_id(), "a", "b", "pw", 1, False, b"\0" * 8))
    data[24] ^= 0xFF  # a byte of USERNAME
    message = stun.parse(bytes(data))
    assert not message.fingerprint_ok() and not message.integrity_ok("pw")
    assert stun.parse(b"\x80" + bytes(40)) is None  # media: not STUN
    assert stun.parse(b"\0\1\0\0" + struct.pack("!I", stun.MAGIC)) is None  # too short


def test_priorities_follow_rfc_8445():
    assert stun.candidate_priority("host", 65535) == (126 << 24) + (65535 << 8) + 255
    g, d = 100, 200
    assert stun.pair_priority(g, d) == (100 << 32) + 400
    assert stun.pair_priority(d, g) == (100 << 32) + 400 + 1


def test_pairs_are_ordered_by_pair_priority():
    agent = relay.Agent("t", True, lambda *a: None)
    agent.add_host_candidates([("10.0.0.1", 5000), ("10.1.0.1", 5001)])
    agent.remote_candidates = [
        {"type": "srflx", "ip": "198.51.100.1", "port": 10000, "priority": stun.candidate_priority("srflx", 65535)},
        {"type": "host", "ip": "10.0.0.2", "port": 10000, "priority": stun.candidate_priority("host", 65535)},
        {"type": "host", "ip": "fd00::2", "port": 10000, "priority": stun.candidate_priority("host", 65534)},
    ]
    pairs = agent.pairs()
    assert pairs[0] == (("10.0.0.1", 5000), ("10.0.0.2", 10000))
    assert pairs[1] == (("10.1.0.1", 5001), ("10.0.0.2", 10000))
    assert len(pairs) == 4  # IPv6 left out
    assert {p[1][0] for p in pairs[2:]} == {"198.51.100.1"}


def _loopback_ok(ip):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((ip, 0))
        return True
    except OSError:
        return False


needs_loopbacks = pytest.mark.skipif(not (_loopback_ok("127.0.0.2") and _loopback_ok("127.0.0.3")),
                                     reason="127.0.0.2/3 cannot be bound here")


@needs_loopbacks
def test_ice_between_two_agents_selects_the_first_answering_pair():
    async def scenario():
        dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dead.bind(("127.0.0.3", 0))
        dead_port = dead.getsockname()[1]
        dead.close()  # nobody listens there any more: checks to it get no answer
        ports_a, ports_b = relay.UniquePorts(["127.0.0.2"]), relay.UniquePorts(["127.0.0.3"])
        a = relay.Agent("a", True, ports_a.send)
        b = relay.Agent("b", False, ports_b.send)
        ports_a.agent, ports_b.agent = a, b
        a.add_host_candidates(ports_a.addresses)
        b.add_host_candidates(ports_b.addresses)
        # The dead candidate has the higher priority: it is checked first and never answers.
        b_described = b.describe()
        remote_of_a = [{"type": "host", "ip": "127.0.0.3", "port": dead_port,
                        "priority": stun.candidate_priority("host", 65535)}]
        remote_of_a += [dict(c, priority=stun.candidate_priority("host", 60000)) for c in b_described["candidates"]]
        a.set_remote(b.ufrag, b.pwd, remote_of_a)
        b.set_remote(a.ufrag, a.pwd, a.describe()["candidates"])
        for _ in range(100):
            if a.state == "connected" and b.state == "connected":
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(2)  # the dead pair's retransmissions run out; media flows
        views = a.view(), b.view()
        for agent in (a, b):
            agent.close()
        ports_a.close()
        ports_b.close()
        return views

    view_a, view_b = asyncio.run(scenario())
    b_address = view_b["local_candidates"][0]
    a_address = view_a["local_candidates"][0]
    assert view_a["state"] == view_b["state"] == "connected"
    assert view_a["selected_pair"] == {"local": a_address, "remote": b_address}
    assert view_b["selected_pair"] == {"local": b_address, "remote": a_address}
    assert view_a["checks"][0]["result"] == "no answer" and view_a["checks"][0]["remote"].startswith("127.0.0.3:")
    assert view_a["checks"][0]["remote"] != b_address
    assert view_a["checks"][1] == {"local": a_address, "remote": b_address, "result": "answered"}
    assert 0 <= view_a["setup_seconds"] < 1
    assert view_a["packets_sent"] > 10 and view_b["packets_received"] > 10
    assert view_b["packets_sent"] > 10 and view_a["packets_received"] > 10


@needs_loopbacks
def test_a_check_with_the_wrong_password_is_refused():
    async def scenario():
        ports = relay.UniquePorts(["127.0.0.2"])
        agent = relay.Agent("a", False, ports.send)
        ports.agent = agent
        agent.add_host_candidates(ports.addresses)
        target = ports.addresses[0]
        loop = asyncio.get_running_loop()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
            peer.bind(("127.0.0.3", 0))
            peer.setblocking(False)
            answers = []
            for pwd in ("wrong-password", agent.pwd):
                tid = stun.transaction_id()
                peer.sendto(stun.check_request(tid, "peer", agent.ufrag, pwd, 1, True, b"\0" * 8), target)
                data = await asyncio.wait_for(loop.sock_recv(peer, 2048), 2)
                answers.append(stun.parse(data))
        agent.close()
        ports.close()
        return answers

    refused, accepted = asyncio.run(scenario())
    assert refused.kind == stun.BINDING_ERROR
    assert accepted.kind == stun.BINDING_SUCCESS and accepted.mapped_address[0] == "127.0.0.3"


# Jicofo -> two bridges, in process ---------------------------------------------------------------

BRIDGE_CONF = "videobridge { relay { enabled = true, region = %s, relay-id = %s } }"


class _Bridge:
    def __init__(self, ip, region, relay_id):
        self.config = config.bridge_config(hocon.loads(BRIDGE_CONF % (region, relay_id)))
        self.mux = relay.SinglePort({})
        self.harvest = colibri.Harvest(self.mux)
        self.ip = ip
        self.colibri = colibri.Colibri(self.config, self.harvest)

    async def start(self):
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((self.ip, 0))
        port = sock.getsockname()[1]
        await loop.create_datagram_endpoint(lambda: relay.SinglePortProtocol(self.mux, (self.ip, port)), sock=sock)
        candidates = [{"type": "host", "protocol": "udp", "ip": self.ip, "port": port}]
        self.harvest.set([(self.ip, 0)], [], candidates)


class _Conference:
    room = "room1@conference.example.org"


@needs_loopbacks
def test_jicofo_links_the_bridges_of_a_conference_and_their_relay_connects():
    base = ('jicofo { xmpp.client { xmpp-domain = example.org, domain = auth.example.org, password = p }\n'
            'octo.enabled = true, local-region = eu, bridge.selection-strategy = RegionBasedBridgeSelectionStrategy }')
    settings = config.jicofo_config(hocon.loads(base))

    async def scenario():
        bridges = {"brewery/jvb-eu": _Bridge("127.0.0.2", "eu", "relay-eu"),
                   "brewery/jvb-us": _Bridge("127.0.0.3", "us", "relay-us")}
        for bridge in bridges.values():
            await bridge.start()
        state = JicofoState(settings, "1.0")
        for jid, bridge in bridges.items():
            state.update_bridge(jid, {**bridge_stats(bridge), "drain": False})

        async def send(jid, element):
            # What Prosody and the bridge's XMPP session do: deliver, answer (the XML goes over the wire).
            element = ET.fromstring(ET.tostring(element))
            return ET.fromstring(ET.tostring(bridges[jid].colibri.handle(element)))

        allocations = Allocations(_Conference(), state, settings, send=send)
        allocations.allocate("room/alice", "alice", "eu")
        allocations.allocate("room/bob", "bob", "us")
        allocations.allocate("room/carol", "carol", None)
        for _ in range(100):
            views = [b.colibri.test_state()["relays"] for b in bridges.values()]
            if all(v and all(r["state"] == "connected" for r in v.values()) for v in views):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        jicofo_view = allocations.test_state()
        bridge_views = {jid: b.colibri.test_state() for jid, b in bridges.items()}
        stats = {jid: b.colibri.stats() for jid, b in bridges.items()}
        allocations.remove("room/bob")
        await asyncio.sleep(0.1)
        after = {jid: b.colibri.test_state() for jid, b in bridges.items()}
        allocations.remove("room/alice")
        allocations.remove("room/carol")
        await asyncio.sleep(0.1)
        return jicofo_view, bridge_views, stats, after, {jid: b.colibri.test_state() for jid, b in bridges.items()}

    def bridge_stats(bridge):
        return {"region": bridge.config.region, "relay_id": bridge.config.relay_id, "version": "2.3"}

    jicofo_view, bridge_views, stats, after, end = asyncio.run(scenario())
    assert jicofo_view["participants"] == {
        "alice": {"region": "eu", "bridge": "brewery/jvb-eu"},
        "bob": {"region": "us", "bridge": "brewery/jvb-us"},
        "carol": {"region": None, "bridge": "brewery/jvb-eu"},  # no region: the local region
    }
    assert jicofo_view["bridges"] == {"brewery/jvb-eu": {"region": "eu", "relay_id": "relay-eu"},
                                      "brewery/jvb-us": {"region": "us", "relay_id": "relay-us"}}
    assert jicofo_view["relays"] == [["relay-us", "relay-eu"]]  # the new bridge initiates
    eu, us = bridge_views["brewery/jvb-eu"], bridge_views["brewery/jvb-us"]
    assert eu["colibri_conferences"] == {_Conference.room: {"endpoints": ["alice", "carol"], "relays": ["relay-us"]}}
    assert us["colibri_conferences"] == {_Conference.room: {"endpoints": ["bob"], "relays": ["relay-eu"]}}
    room = _Conference.room
    to_us, to_eu = eu["relays"][f"{room}/relay-us"], us["relays"][f"{room}/relay-eu"]
    assert (to_us["initiator"], to_eu["initiator"]) == (False, True)
    assert to_us["state"] == to_eu["state"] == "connected"
    # The initiator's relay has its own (unique) port; the other shares the single port.
    assert to_eu["selected_pair"]["local"] == to_us["selected_pair"]["remote"]
    assert to_us["selected_pair"]["local"] == to_us["local_candidates"][0]
    assert to_eu["packets_sent"] > 0 and to_us["packets_received"] > 0
    assert stats["brewery/jvb-eu"]["octo_conferences"] == 1 and stats["brewery/jvb-eu"]["octo_endpoints"] == 1
    assert stats["brewery/jvb-us"]["octo_endpoints"] == 2 and stats["brewery/jvb-us"]["total_relays"] == 1
    # Bob left: his bridge had no endpoint left, so its conference is expired and so is eu's relay to it.
    assert after["brewery/jvb-us"]["colibri_conferences"] == {} and after["brewery/jvb-us"]["relays"] == {}
    assert after["brewery/jvb-eu"]["colibri_conferences"][_Conference.room]["relays"] == []
    assert end["brewery/jvb-eu"]["colibri_conferences"] == {}


def test_bridge_refuses_what_upstream_refuses():
    bridge = colibri.Colibri(config.bridge_config(hocon.loads("")), colibri.Harvest(relay.SinglePort({})))
    modify = ET.Element(colibri.q("conference-modify"), {"meeting-id": "m1"})
    with pytest.raises(colibri.ColibriError) as error:
        bridge.handle(modify)
    assert error.value.condition == "item-not-found"
    modify.set("create", "true")
    relay_element = ET.SubElement(modify, colibri.q("relay"), id="r1", create="true")
    ET.SubElement(relay_element, colibri.q("transport"))
    with pytest.raises(colibri.ColibriError) as error:
        bridge.handle(modify)
    assert error.value.condition == "feature-not-implemented"  # relays are off by default
    endpoint = ET.Element(colibri.q("conference-modify"), {"meeting-id": "m2", "create": "true"})
    ET.SubElement(ET.SubElement(endpoint, colibri.q("endpoint"), id="e1", create="true"), colibri.q("transport"))
    with pytest.raises(colibri.ColibriError, match="Source name support"):
        bridge.handle(endpoint)
