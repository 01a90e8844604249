"""Regions end to end (issue 16): shard a has a bridge in each region (lab-a-jvb1 eu, lab-a-jvb2 us),
lab-haproxy1 is in eu and lab-haproxy2 in us.

A participant through each front joins one room. The front's X-Proxy-Region reaches Prosody, which
puts it in the participant's presence; Jicofo puts each participant on a bridge of its region and
asks the two bridges to relay. Their ICE checks run from every harvested address to every candidate
of the other; the firewall drops all but the vx0 pair, so the relay rides the overlay, and the
underlay between the two bridges carries only WireGuard. (New rooms through an eu node reaching
the us shard while the eu shard is drained: test_front.py's drain test.)
"""

import asyncio
import collections
import json
import uuid

import pytest

from jitsi_shards_loadtest.client import enter
from testlib import ask_fronts, container_address, host, poll, request

DOMAIN = "meet.lab.test"
EU, US = "lab-haproxy1", "lab-haproxy2"
BRIDGES = {"eu": "lab-a-jvb1", "us": "lab-a-jvb2"}


def _ask(front, rooms):
    """The shard each new room lands on, asked through one front only."""
    return [seen for (seen,) in ask_fronts(host(front), rooms, [front])]


def test_new_rooms_go_to_the_shards_of_the_fronts_region():
    tag = uuid.uuid4().hex[:6]
    assert collections.Counter(_ask(EU, [f"eu-{tag}-{i}" for i in range(30)])) == {"shard_a": 30}
    assert collections.Counter(_ask(US, [f"us-{tag}-{i}" for i in range(30)])) == {"shard_b": 30}
    # Sticky rooms stay where they are, whichever front is asked.
    assert set(_ask(US, [f"eu-{tag}-{i}" for i in range(10)])) == {"shard_a"}


def _vx0(name):
    return host(name).check_output("ip -4 -o addr show dev vx0 | awk '{print $4}' | cut -d/ -f1")


def _underlay(name):
    return host(name).check_output("ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1")


def _state(name):
    status, body = request(host(name), "http://127.0.0.1:8080/test/state")
    assert status == 200, body
    return json.loads(body)


def _jicofo_state():
    status, body = request(host("lab-a-signal"), "http://127.0.0.1:8888/test/state")
    assert status == 200, body
    return json.loads(body)


@pytest.fixture(scope="module")
def relayed_room():
    """One participant through each front in one room, kept while the module's tests look."""
    room = f"regions-{uuid.uuid4().hex[:8]}"
    loop = asyncio.new_event_loop()
    clients = []
    eu_front, us_front = container_address(EU), container_address(US)
    try:
        clients.append(loop.run_until_complete(enter(eu_front, DOMAIN, room, "eu-alice")))
        clients.append(loop.run_until_complete(enter(us_front, DOMAIN, room, "us-bob")))
        loop.run_until_complete(clients[0].wait_occupant("us-bob"))
        yield room, clients
    finally:
        for client in clients:
            loop.run_until_complete(client.close())
        loop.close()


def _conference(room):
    found = poll(lambda: _jicofo_state().get("conferences", {}),
                 lambda c: any(k.startswith(room + "@") and len(v.get("participants", {})) == 2 for k, v in c.items()),
                 timeout=30, interval=1)
    matches = [v for k, v in found.items() if k.startswith(room + "@")]
    assert matches, found
    return matches[0]


def test_each_participant_is_on_a_bridge_of_its_region(relayed_room):
    room, clients = relayed_room
    assert {c.shard for c in clients} == {"shard_a"}, [c.shard for c in clients]
    conference = _conference(room)
    participants = conference["participants"]
    # The region came from each front's X-Proxy-Region (the client sent none).
    assert participants["eu-alice"]["region"] == "eu" and participants["us-bob"]["region"] == "us", participants
    regions = {jid: bridge["region"] for jid, bridge in conference["bridges"].items()}
    assert regions[participants["eu-alice"]["bridge"]] == "eu", (participants, regions)
    assert regions[participants["us-bob"]["bridge"]] == "us", (participants, regions)
    assert len(conference["relays"]) == 1, conference


def _relay(state, room):
    """This room's relay on a bridge (views are keyed <conference>/<remote relay-id>)."""
    found = [r for key, r in state.get("relays", {}).items() if key.startswith(room + "@")]
    return found[0] if len(found) == 1 else None


def test_the_two_bridges_relay_over_the_overlay_only(relayed_room):
    room, _clients = relayed_room
    vx = {region: _vx0(name) for region, name in BRIDGES.items()}

    def settled(state):
        # Connected, and 2 s of media received (10 packets/s): every unanswered check has ended by then.
        relay = _relay(state, room)
        return relay is not None and relay["state"] == "connected" and relay["packets_received"] >= 20

    states = {region: poll(lambda n=name: _state(n), settled, timeout=30, interval=1) for region, name in BRIDGES.items()}
    for region, state in states.items():
        other = "us" if region == "eu" else "eu"
        relay = _relay(state, room)
        assert relay is not None and relay["state"] == "connected", state.get("relays")
        pair = relay["selected_pair"]
        assert pair["local"].split(":")[0] == vx[region] and pair["remote"].split(":")[0] == vx[other], relay
        # Every other pair was tried and got no answer: the firewall dropped it.
        answered = [(c["local"], c["remote"]) for c in relay["checks"] if c["result"] == "answered"]
        assert answered == [(pair["local"], pair["remote"])], relay["checks"]
        assert len(relay["checks"]) >= 9, relay["checks"]  # 3 local addresses (eth0, wg0, vx0) x 3-4 remote candidates
        assert relay["packets_received"] >= 20 and relay["packets_sent"] >= 20, relay
        print(f"relay {region}: {pair['local']} -> {pair['remote']} set up in {relay['setup_seconds']:.3f} s "
              f"after the remote transport arrived; {len(relay['checks'])} pairs checked")


def test_the_underlay_between_the_bridges_carries_only_wireguard(relayed_room):
    eu, us = (host(BRIDGES[r]) for r in ("eu", "us"))
    # The relay sends media all the time: 3 s of whatever passes between the bridges' underlay addresses.
    out = eu.check_output(f"timeout 3 tcpdump -lnni any -c 200 'ip host {_underlay(BRIDGES['us'])}' 2>/dev/null || true")
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines, "nothing passed between the bridges: is the relay sending?"
    assert not [line for line in lines if not (".51820 > " in line and ".51820: UDP" in line)], lines
    # The relay's media is inside it: on vx0, between the two bridges' vx0 addresses.
    seen = us.check_output(f"timeout 3 tcpdump -lnni vx0 -c 20 'udp and ip host {_vx0(BRIDGES['eu'])}' 2>/dev/null || true")
    assert len(seen.splitlines()) >= 10, seen
