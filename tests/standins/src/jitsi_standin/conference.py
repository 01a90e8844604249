"""Jicofo's conferences: the focus protocol (stand-in), driven by the Focus session in xmpp.py.

Modelled on jicofo @7ebb13dc: xmpp/ConferenceIqHandler.kt (request and answer), FocusManager.kt
(one conference per room, conferenceCount), conference/JitsiMeetConferenceImpl.java (join, timeouts,
"Last member left, stopping."), jicofo-common xmpp/muc/ChatRoomImpl.kt (join, whois=anyone, grantOwnership)
and xmpp/muc/ChatRoomRoleManager.kt (AutoOwnerRoleManager).

Each member that is not a visitor gets a colibri2 endpoint on a bridge (allocation.py: bridge selection,
conference-modify, relays between the conference's bridges); no Jingle session is offered to it.
"""

import asyncio
import logging
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError, IqTimeout

from .allocation import Allocations

FOCUS = "http://jitsi.org/protocol/focus"
MUC = "http://jabber.org/protocol/muc"
MUC_USER = MUC + "#user"
MUC_ADMIN = MUC + "#admin"
MUC_OWNER = MUC + "#owner"
DATA = "jabber:x:data"
INITIAL_TIMEOUT = 15  # jicofo reference.conf conference.initial-timeout
log = logging.getLogger("jitsi_standin.conference")


def client_jid(client_proxy, sender):
    """Util.kt parseJidFromClientProxyJid: focus.<domain>/<jid> stands for <jid>."""
    if client_proxy and sender.bare == client_proxy and sender.resource:
        return sender.resource
    return str(sender)


def answer_element(room, focus_jid, ready, properties=None, attributes=None):
    """ConferenceIq as ConferenceIqHandler shapes the result (no jigasi, no visitors): the
    authentication properties (auth.check_request; default: no authority), then visitors-supported;
    an authenticated sender also gets its identity and session-id attributes."""
    element = ET.Element(f"{{{FOCUS}}}conference", room=room, ready=str(ready).lower(), focusjid=focus_jid,
                         **(attributes or {}))
    for name, value in list((properties or {"authentication": "false"}).items()) + [("visitors-supported", "false")]:
        ET.SubElement(element, f"{{{FOCUS}}}property", name=name, value=value)
    return element


def apply_error(reply, error):
    """ErrorFactory's error replies on a slixmpp reply: the condition with Smack's default type for it
    (StanzaError: not-authorized -> auth, not-acceptable -> modify), its text, and
    <session-invalid/> (SessionInvalidPacketExtension) for a stale session."""
    reply["error"]["type"] = "auth" if error.condition == "not-authorized" else "modify"
    reply["error"]["condition"] = error.condition
    reply["error"]["text"] = error.text
    if error.session_invalid:
        reply["error"].xml.append(ET.Element(f"{{{FOCUS}}}session-invalid"))
    return reply


def role_of(item):
    """MemberRole.fromSmack: the affiliation wins over the role."""
    affiliation, role = item.get("affiliation"), item.get("role")
    if affiliation == "owner":
        return "owner"
    if affiliation == "admin" or role == "moderator":
        return "moderator"
    return "participant" if role == "participant" else "visitor"


class Conference:
    """One room Jicofo is in; members are the other occupants (occupant JID -> [real JID, role])."""

    def __init__(self, session, room):
        self.session = session
        self.room = room
        self.nick = session.config.login.username
        self.joined = asyncio.get_running_loop().create_future()
        self.members = {}
        self.owner = None
        self.timeout = None
        self.colibri = Allocations(self, session.state, session.config)

    def bridge_counts(self):
        return self.colibri.bridge_counts()

    def test_state(self):
        return self.colibri.test_state()

    async def start(self):
        """ChatRoomImpl.joinAs: join (creating the room), then make it non-anonymous."""
        log.info("Joining %s", self.room)
        presence = self.session.make_presence(pto=f"{self.room}/{self.nick}")
        presence.append(ET.Element(f"{{{MUC}}}x"))
        presence.send()
        error = await asyncio.wait_for(self.joined, self.session.config.reply_timeout)
        if error:
            raise RuntimeError(f"cannot join {self.room}: {error}")
        await self._configure()
        self.timeout = asyncio.get_running_loop().call_later(INITIAL_TIMEOUT, self._start_timeout)

    async def _configure(self):
        get = self.session.make_iq_get(ito=self.room)
        get.append(ET.Element(f"{{{MUC_OWNER}}}query"))
        await get.send(timeout=self.session.config.reply_timeout)
        query = ET.Element(f"{{{MUC_OWNER}}}query")
        form = ET.SubElement(query, f"{{{DATA}}}x", type="submit")
        for var, value in (("FORM_TYPE", "http://jabber.org/protocol/muc#roomconfig"),
                           ("muc#roomconfig_whois", "anyone")):
            ET.SubElement(ET.SubElement(form, f"{{{DATA}}}field", var=var), f"{{{DATA}}}value").text = value
        submit = self.session.make_iq_set(ito=self.room)
        submit.append(query)
        await submit.send(timeout=self.session.config.reply_timeout)

    def presence(self, presence):
        """ChatRoomImpl's presence handling for this room."""
        nick = presence["from"].resource
        if nick == self.nick:
            if not self.joined.done():
                self.joined.set_result(presence["error"]["condition"] or "error"
                                       if presence["type"] == "error" else None)
            return
        occupant = str(presence["from"])
        if presence["type"] in ("unavailable", "error"):
            self._left(occupant)
            return
        item = presence.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item")
        if item is None:
            return
        joined = occupant not in self.members
        if joined:
            log.info("Member joined:%s", nick)
            if self.timeout:
                self.timeout.cancel()
        self.members[occupant] = [item.get("jid"), role_of(item)]
        if joined and role_of(item) != "visitor":
            # ChatRoomMemberImpl: the region is the text of <jitsi_participant_region xmlns='jabber:client'>.
            region = presence.xml.find("{jabber:client}jitsi_participant_region")
            region = region.text.strip() if region is not None and region.text and region.text.strip() else None
            self.colibri.allocate(occupant, nick, region)
        if self.owner is None:
            self._elect()

    def _left(self, occupant):
        if self.members.pop(occupant, None) is None:
            return
        log.info("Member left:%s", occupant.rsplit("/", 1)[-1])
        self.colibri.remove(occupant)
        if occupant == self.owner:
            self.owner = None
            self._elect()
        if not self.members:
            log.info("Last member left, stopping.")
            self.stop()

    def _elect(self):
        """AutoOwnerRoleManager.electNewOwner: keep an owner; else make the first member owner."""
        owners = [o for o, (_, role) in self.members.items() if role == "owner"]
        if owners:
            self.owner = owners[0]
            return
        candidates = [o for o, (_, role) in self.members.items() if role != "visitor"]
        if candidates:
            self.owner = candidates[0]
            log.info("Electing new owner: %s", self.owner)
            asyncio.ensure_future(self._grant_ownership(self.members[self.owner][0]))

    async def _grant_ownership(self, real_jid):
        """ChatRoomImpl.grantOwnership: a muc#admin item affiliation=owner for the member's bare JID."""
        if not real_jid:
            log.warning("Can not grant ownership to %s, real JID unknown", self.owner)
            return
        iq = self.session.make_iq_set(ito=self.room)
        query = ET.Element(f"{{{MUC_ADMIN}}}query")
        ET.SubElement(query, f"{{{MUC_ADMIN}}}item", affiliation="owner", jid=real_jid.split("/")[0])
        iq.append(query)
        try:
            await iq.send(timeout=self.session.config.reply_timeout)
        except (IqError, IqTimeout) as exc:
            log.warning("Failed to grant ownership: %s", exc)

    def _start_timeout(self):
        if not self.members:
            log.info("Conference start timed out, stopping.")
            self.stop()

    def stop(self):
        if self.timeout:
            self.timeout.cancel()
        self.colibri.expire()
        self.session.make_presence(pto=f"{self.room}/{self.nick}", ptype="unavailable").send()
        self.session.conferences.pop(self.room, None)
        log.info("Stopped.")
