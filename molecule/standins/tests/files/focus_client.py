"""A Jitsi Meet client's XMPP steps, run inside the container with Debian's python3-slixmpp.

Usage: python3 focus_client.py <domain>. Prints one JSON object: what each client saw. Steps as
lib-jitsi-meet takes them: SASL ANONYMOUS on <domain>, disco#info of the domain, the conference IQ to
focus.<domain>, the MUC join with a display name; a moderator turns the lobby on by submitting the
room config with muc#roomconfig_membersonly=1 and admits a knocker with a mediated invite.
"""

import asyncio
import json
import ssl
import sys
import uuid
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

DOMAIN = sys.argv[1]
MUC = "http://jabber.org/protocol/muc"
FOCUS = "http://jitsi.org/protocol/focus"
DATA = "jabber:x:data"
ROOM = f"standinsroom{uuid.uuid4().hex[:8]}@conference.{DOMAIN}"


class Client(slixmpp.ClientXMPP):
    def __init__(self, name):
        super().__init__(DOMAIN, "", sasl_mech="ANONYMOUS")
        self.name = name
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.presences = []
        self.messages = []
        self.started = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", lambda _: self.started.done() or self.started.set_result(True))
        self.add_event_handler("presence", lambda p: self.presences.append(p))
        # Every message, also those without a body (slixmpp's "message" event needs one).
        self.register_handler(Callback("all messages", MatchXPath(f"{{{self.default_ns}}}message"),
                                       lambda m: self.messages.append(str(m))))

    async def login(self):
        self.connect(address=("127.0.0.1", 5222))
        await asyncio.wait_for(self.started, 20)
        return str(self.boundjid)

    async def conference(self, room, timeout=20):
        iq = self.make_iq_set(ito=f"focus.{DOMAIN}")
        iq.append(ET.Element(f"{{{FOCUS}}}conference", room=room, **{"machine-uid": uuid.uuid4().hex}))
        try:
            return str(await iq.send(timeout=timeout))
        except IqError as exc:
            return str(exc.iq)
        except IqTimeout:
            return None

    def join(self, room, nick, display=True):
        presence = self.make_presence(pto=f"{room}/{nick}")
        presence.append(ET.Element(f"{{{MUC}}}x"))
        if display:
            ET.SubElement(presence.xml, "{http://jabber.org/protocol/nick}nick").text = nick
        presence.send()

    async def wait_presence(self, predicate, timeout=15):
        for _ in range(int(timeout * 10)):
            found = [p for p in self.presences if predicate(p)]
            if found:
                return found[-1]
            await asyncio.sleep(0.1)
        return None


def from_is(jid, kind=None):
    return lambda p: str(p["from"]) == jid and (kind is None or p["type"] == kind)


def item(presence):
    element = presence.xml.find("{http://jabber.org/protocol/muc#user}x/{http://jabber.org/protocol/muc#user}item")
    return {} if element is None else dict(element.attrib)


async def enable_lobby(client, room):
    """lib-jitsi-meet ChatRoom.setMembersOnly: get the owner form, submit it with membersonly on."""
    get = client.make_iq_get(ito=room)
    get.append(ET.Element("{http://jabber.org/protocol/muc#owner}query"))
    await get.send(timeout=10)
    query = ET.Element("{http://jabber.org/protocol/muc#owner}query")
    form = ET.SubElement(query, f"{{{DATA}}}x", type="submit")
    for var, value in (("FORM_TYPE", "http://jabber.org/protocol/muc#roomconfig"), ("muc#roomconfig_membersonly", "1")):
        ET.SubElement(ET.SubElement(form, f"{{{DATA}}}field", var=var), f"{{{DATA}}}value").text = value
    submit = client.make_iq_set(ito=room)
    submit.append(query)
    return str(await submit.send(timeout=10))


async def disco(client, jid):
    iq = client.make_iq_get(ito=jid)
    iq.append(ET.Element("{http://jabber.org/protocol/disco#info}query"))
    return str(await iq.send(timeout=10))


async def main():
    out = {"room": ROOM}
    c1, c2, c3 = Client("one"), Client("two"), Client("three")
    out["jid1"] = await c1.login()
    out["disco"] = await disco(c1, DOMAIN)
    out["answer1"] = await c1.conference(ROOM)
    if out["answer1"] is None or 'type="result"' not in out["answer1"]:
        # Everything after this depends on Jicofo being in the room: say what focus answered.
        sys.exit(f"focus.{DOMAIN} did not accept the conference request: {out['answer1']}")
    c1.join(ROOM, "one")
    own = await c1.wait_presence(lambda p: str(p["from"]) == f"{ROOM}/one" and item(p).get("affiliation") == "owner")
    out["c1_item"] = item(own) if own else None

    out["jid2"] = await c2.login()
    out["answer2"] = await c2.conference(ROOM)
    c2.join(ROOM, "two")
    await c2.wait_presence(from_is(f"{ROOM}/two"))
    seen = await c2.wait_presence(from_is(f"{ROOM}/one"))
    out["c2_sees_c1"] = item(seen) if seen else None

    # A non-member still in the room when it becomes members-only is removed (status 322) and
    # Prosody 0.12 tells no other occupant: the second client leaves first.
    c2.make_presence(pto=f"{ROOM}/two", ptype="unavailable").send()
    await c1.wait_presence(from_is(f"{ROOM}/two", "unavailable"))
    out["lobby_enabled"] = await enable_lobby(c1, ROOM)
    await asyncio.sleep(1)
    out["c1_messages"] = c1.messages[:]

    out["jid3"] = await c3.login()
    out["answer3"] = await c3.conference(ROOM)
    c3.join(ROOM, "three", display=False)
    refused = await c3.wait_presence(from_is(f"{ROOM}/three", "error"))
    out["no_display_name"] = str(refused) if refused else None
    c3.presences.clear()
    c3.join(ROOM, "three")
    refused = await c3.wait_presence(from_is(f"{ROOM}/three", "error"))
    out["refused"] = str(refused) if refused else None
    lobby_room = ROOM.replace("@conference.", "@lobby.")
    c3.join(lobby_room, "three")
    out["c3_in_lobby"] = bool(await c3.wait_presence(from_is(f"{lobby_room}/three")))
    c1.join(lobby_room, "one")
    knocker = await c1.wait_presence(from_is(f"{lobby_room}/three"))
    out["c1_sees_knocker"] = item(knocker) if knocker else None
    await asyncio.sleep(1)
    out["c3_sees_moderator_in_lobby"] = any(str(p["from"]) == f"{lobby_room}/one" for p in c3.presences)
    invite = c1.make_message(mto=ROOM)
    x = ET.SubElement(invite.xml, "{http://jabber.org/protocol/muc#user}x")
    ET.SubElement(x, "{http://jabber.org/protocol/muc#user}invite", to=out["jid3"])
    invite.send()
    await asyncio.sleep(1)
    c3.presences.clear()
    c3.join(ROOM, "three")
    joined = await c3.wait_presence(lambda p: str(p["from"]) == f"{ROOM}/three")
    out["admitted"] = str(joined) if joined else None

    brewery = f"jvbbrewery@internal.auth.{DOMAIN}"
    c3.join(brewery, "rogue")
    answer = await c3.wait_presence(lambda p: p["from"].bare == brewery, timeout=5)
    out["brewery"] = str(answer) if answer else None
    # Jicofo gives up joining after its 15 s reply timeout and never answers: 3 s more is enough.
    out["outside_muc"] = await c3.conference(f"outside@nosuch.{DOMAIN}", timeout=18)

    for client in (c1, c2, c3):
        client.disconnect()
    await asyncio.sleep(1)
    print(json.dumps(out))


asyncio.get_event_loop().run_until_complete(main())
