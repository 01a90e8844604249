"""A participant's path through the front door, as jitsi-meet's client walks it.

wss://<HAProxy node>/xmpp-websocket?room=<room>, SASL ANONYMOUS, the conference request to
focus.<domain>, the MUC join (loadtest/jitsi_shards_loadtest/client.py). Rooms, the lobby and the
brewery are the real Prosody's; focus is the stand-in Jicofo answering the focus protocol.
"""

import asyncio
import json
import os
import pathlib
import statistics
import uuid

import pytest

import jitsi_prosody
from jitsi_shards_loadtest.client import XmppError, enter, MeetClient
from testlib import container_address, host

DOMAIN = "meet.lab.test"
FRONTS = ["lab-haproxy1", "lab-haproxy2"]
# The lab keeps upstream's defaults; room metadata needs Prosody 13 (the role leaves it out on 0.12).
FEATURES = dict({name: True for name in jitsi_prosody.FEATURES},
                room_metadata=os.environ.get("JITSI_SHARDS_LAB_PROSODY", "debian") != "debian")



@pytest.fixture(scope="module")
def fronts():
    return [container_address(name) for name in FRONTS]


def run(coroutine):
    return asyncio.run(coroutine)


def _room():
    return f"client-{uuid.uuid4().hex[:10]}"


def test_two_clients_through_the_two_fronts_meet_in_one_room_on_one_shard(fronts):
    """8 rooms at once, each with one participant through each HAProxy node: without the room's
    stickiness a room lands on both shards (1 in 2 each), and its two participants never meet."""
    async def room_of_two():
        room = _room()
        first = await enter(fronts[0], DOMAIN, room, "alice")
        second = await enter(fronts[1], DOMAIN, room, "bob")
        try:
            await first.wait_occupant("bob")
            return room, first.shard, second.shard, first.occupants(), second.occupants(), await first.role()
        except (asyncio.TimeoutError, ConnectionError) as error:
            return room, first.shard, second.shard, first.occupants(), second.occupants(), repr(error)
        finally:
            await first.close()
            await second.close()

    async def scenario():
        return await asyncio.gather(*(room_of_two() for _ in range(8)))

    for room, shard1, shard2, seen_by_first, seen_by_second, role in run(scenario()):
        assert shard1 in ("shard_a", "shard_b") and shard1 == shard2, (room, shard1, shard2)
        assert {"alice", "bob"} <= seen_by_first and {"alice", "bob"} <= seen_by_second, (room, role)
        # Jicofo makes the first participant moderator (AutoOwnerRoleManager).
        assert role == "moderator", (room, role)


def test_the_domain_lists_the_meeting_components_and_each_announces_itself(fronts):
    """What jitsi-meet and Jicofo discover: the components on the domain's disco#items, and each
    feature's identity on its disco#info (announced through features_identity). The components
    that are MUCs (lobby, breakout rooms) answer disco#info themselves; the others answer nothing
    there, as upstream's modules (they load no disco), so only their announcement is checked."""
    layout = jitsi_prosody.prosody_layout(FEATURES, DOMAIN, [], [], [])
    mucs = {c["host"] for c in layout["components"] if c["module"] == "muc"}

    async def scenario():
        async with MeetClient(fronts[0], DOMAIN, _room()) as client:
            await client.login()
            items = await client.disco(DOMAIN, "items")
            info = await client.disco(DOMAIN)
            answers = {host: await client.disco(host) for host in layout["identities"].values() if host in mucs}
            return items, info, answers

    items, info, answers = run(scenario())
    listed = {item.get("jid") for item in items}
    assert set(layout["identities"].values()) <= listed, listed
    identities = {i.get("type"): i.get("name") for i in info.iter("{http://jabber.org/protocol/disco#info}identity")
                  if i.get("category") == "component"}
    assert {kind: identities.get(kind) for kind in layout["identities"]} == layout["identities"], identities
    assert set(answers) == {f"lobby.{DOMAIN}", f"breakout.{DOMAIN}"}
    for host, answer in answers.items():
        features = {f.get("var") for f in answer.iter("{http://jabber.org/protocol/disco#info}feature")}
        assert "http://jabber.org/protocol/muc" in features, (host, features)


def test_the_lobby_refuses_a_newcomer_until_a_moderator_admits_them(fronts):
    async def scenario():
        room = _room()
        moderator = await enter(fronts[0], DOMAIN, room, "host")
        newcomer = MeetClient(fronts[1], DOMAIN, room)
        try:
            await moderator.wait_role("moderator")
            await moderator.configure({"muc#roomconfig_membersonly": "true"})
            await newcomer.connect()
            await newcomer.login()
            await newcomer.conference_request()
            try:
                await newcomer.join("guest")
                refused = None
            except XmppError as error:
                refused = error
            # Admission as lib-jitsi-meet's Lobby.approveAccess sends it: a mediated invitation,
            # which makes the invitee a member of the members-only room (Prosody's members_only).
            moderator.send(f"<message xmlns='jabber:client' to='{moderator.room_jid}'>"
                           f"<x xmlns='http://jabber.org/protocol/muc#user'><invite to='{newcomer.jid}'/></x></message>")
            await asyncio.sleep(0.5)
            await newcomer.join("guest")
            return refused, newcomer.occupants()
        finally:
            await moderator.close()
            await newcomer.close()

    refused, occupants = run(scenario())
    assert refused is not None, "the lobby let a non-member in"
    assert refused.condition == "registration-required"
    lobby = refused.stanza.find(".//{jabber:client}lobbyroom")
    assert lobby is not None and lobby.text.endswith(f"@lobby.{DOMAIN}"), json.dumps(refused.condition)
    assert {"host", "guest"} <= occupants


def test_an_anonymous_session_cannot_enter_the_brewery(fronts):
    async def scenario():
        client = MeetClient(fronts[0], DOMAIN, _room(), timeout=5)
        client.room_jid = f"jvbbrewery@internal.auth.{DOMAIN}"
        async with client:
            await client.login()
            try:
                await client.join("rogue-bridge")
            except (XmppError, asyncio.TimeoutError) as refused:
                return refused
            return None

    refused = run(scenario())
    assert refused is not None, "an anonymous session joined the brewery"


def test_join_latency_through_haproxy(fronts):
    """50 joins, alternating fronts; the figures go to the ephemeral directory for the notes."""
    async def one(i):
        client = await enter(fronts[i % 2], DOMAIN, _room(), f"p{i}")
        await client.close()
        return client.timings

    async def scenario():
        return [await one(i) for i in range(50)]

    timings = run(scenario())
    totals = sorted(sum(t.values()) for t in timings)
    report = {"joins": len(totals), "median_s": statistics.median(totals),
              "p95_s": totals[int(0.95 * len(totals)) - 1],
              "steps_median_s": {step: statistics.median(t[step] for t in timings) for step in timings[0]}}
    pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "join-latency.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report))
    assert report["p95_s"] < 5, report


@pytest.mark.parametrize("signal", ["lab-a-signal", "lab-b-signal"])
def test_prosody_loaded_the_whole_configuration_without_an_error(signal):
    # Debian's prosody.cfg.lua sends every error-level line here: a module refusing a missing
    # setting (as the upstream modules do) would be one. mod_muc_filter_access logs what it
    # drops at error level: the brewery test above causes those lines on purpose.
    node = host(signal)
    errors = node.file("/var/log/prosody/prosody.err")
    lines = errors.content_string.splitlines() if errors.exists else []
    unexpected = [line for line in lines if "Filtering unauthorized presence" not in line]
    assert unexpected == [], unexpected[-20:]
    check = node.run("prosodyctl check config")
    assert check.rc == 0, check.stdout[-3000:]
