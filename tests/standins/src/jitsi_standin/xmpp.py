"""XMPP sessions of the stand-ins: the bridge's MUC client and Jicofo's focus user.

Both log in over c2s like the real services (there is no XEP-0114 component mode: jvb removed it in
83195fcd1 and jicofo its component discovery in 47165bdc5), reconnect by themselves and log why a
login or a MUC join failed, which is what an operator reads in the real logs.
"""

import asyncio
import logging
import random
import ssl
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from . import auth
from .colibri import COLIBRI2, ColibriError, error_element
from .conference import FOCUS, Conference, answer_element, apply_error, client_jid
from .health import Result

COLIBRI = "http://jitsi.org/protocol/colibri"
HEALTHCHECK = "http://jitsi.org/protocol/healthcheck"
MUC = "http://jabber.org/protocol/muc"
PING = "urn:xmpp:ping"
RETRY_SECONDS = 5
log = logging.getLogger(__name__)


def stats_element(stats):
    """Colibri stats as the bridge puts them in its brewery presence (ColibriStatsExtension)."""
    element = ET.Element(f"{{{COLIBRI}}}stats")
    for name, value in stats.items():
        if isinstance(value, (dict, list)):
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        ET.SubElement(element, f"{{{COLIBRI}}}stat", name=name, value=text)
    return element


def parse_stats(element):
    stats = {}
    for stat in element.findall(f"{{{COLIBRI}}}stat"):
        value = stat.get("value", "")
        if value in ("true", "false"):
            stats[stat.get("name")] = value == "true"
        elif value.lstrip("-").isdigit():
            stats[stat.get("name")] = int(value)
        else:
            stats[stat.get("name")] = value
    return stats


def _room_presence(client, room_jid, nickname, extra=None, join=True):
    """Presence to a MUC occupant JID; the muc#x element marks a join."""
    presence = client.make_presence(pto=f"{room_jid}/{nickname}")
    if join:
        presence.append(ET.Element(f"{{{MUC}}}x"))
    if extra is not None:
        presence.append(extra)
    return presence


class _Session(slixmpp.ClientXMPP):
    """c2s login that reconnects after RETRY_SECONDS and says why it failed."""

    def __init__(self, login, label):
        super().__init__(login.jid, login.password)
        self.login = login
        self.label = label
        self.stopping = False
        self.in_session = False
        self._pending_retry = None
        if not login.verify_certificate:
            self.ssl_context.check_hostname = False
            self.ssl_context.verify_mode = ssl.CERT_NONE
        self.add_event_handler("connection_failed", self._failed)
        self.add_event_handler("disconnected", self._lost)
        self.add_event_handler("stream_error", self._stream_error)
        self.add_event_handler("failed_auth", self._failed_auth)
        self.add_event_handler("session_start", self._session_start)

    def start(self):
        log.info("%s: connecting to %s:%s", self.label, self.login.hostname, self.login.port)
        self._connect()

    def _connect(self):
        self.connect(address=(self.login.hostname, self.login.port))

    def _retry(self):
        # One pending reconnect at a time: two would log in twice, and the MUC then routes
        # Jicofo's health-check IQs to whichever session it picks (as a real client would not).
        if self.stopping or self._pending_retry is not None:
            return

        def again():
            self._pending_retry = None
            self._connect()

        self._pending_retry = self.loop.call_later(RETRY_SECONDS, again)

    def _failed(self, error):
        # slixmpp retries a failed connection attempt by itself: no second attempt from here.
        log.error("%s: cannot reach Prosody at %s:%s (%s); retrying", self.label, self.login.hostname,
                  self.login.port, error)

    def _lost(self, _event):
        self.in_session = False
        self.on_offline()
        if not self.stopping:
            log.warning("%s: disconnected; reconnecting", self.label)
            self._retry()

    def _stream_error(self, error):
        log.error("%s: Prosody closed the stream: %s %s", self.label, error["condition"], error["text"])

    def _failed_auth(self, _stanza):
        log.error("%s: authentication failed for %s: check the password in the config", self.label,
                  self.login.jid)
        self.disconnect()

    def _session_start(self, _event):
        log.info("%s: logged in as %s", self.label, self.login.jid)
        self.in_session = True
        self.send_presence()
        self.on_online()

    def on_online(self):
        """Logged in."""

    def on_offline(self):
        """The session is gone."""

    async def stop(self):
        self.stopping = True
        self.disconnect()
        await asyncio.sleep(0.2)


class MucMember(_Session):
    """One of the bridge's xmpp-client configs: c2s login, then presence with colibri stats in each
    MUC (the brewery), published every presence-interval (jvb stats/MucPublisher.kt), and answers
    to Jicofo's health-check IQs (Videobridge.java healthCheckIqReceived)."""

    def __init__(self, login, state):
        super().__init__(login, f"xmpp-client {login.name} ({login.jid})")
        self.state = state
        self.joined = set()
        self.stats_broken = False
        self.add_event_handler("presence", self._presence)
        self.add_event_handler("presence_error", self._presence_error)
        self.register_handler(Callback(
            "health check", MatchXPath(f"{{{self.default_ns}}}iq/{{{HEALTHCHECK}}}healthcheck"), self._health_iq))
        self.register_handler(Callback(
            "colibri2", MatchXPath(f"{{{self.default_ns}}}iq/{{{COLIBRI2}}}conference-modify"), self._colibri2_iq))

    def _stats(self):
        if self.stats_broken:
            return None
        try:
            return stats_element(self.state.presence_stats())
        except ValueError as exc:
            # Upstream the publishing task dies on this exception: the bridge stays in the
            # brewery without stats, so Jicofo never counts it.
            log.error("SEVERE: %s: cannot publish statistics: %s", self.label, exc)
            self.stats_broken = True
            return None

    def on_online(self):
        self.publish()

    def on_offline(self):
        self.joined.clear()
        self.state.set_registered(self.login.name, False)

    def publish(self):
        if not self.in_session:
            return
        stats = self._stats()
        for room in self.login.muc_jids:
            _room_presence(self, room, self.login.muc_nickname, stats, join=room not in self.joined).send()

    def _presence(self, presence):
        # Our own presence reflected by the MUC means we are in it.
        sender = presence["from"]
        if sender.bare in self.login.muc_jids and sender.resource == self.login.muc_nickname \
                and presence["type"] not in ("error", "unavailable"):
            if sender.bare not in self.joined:
                log.info("%s: joined %s as %s", self.label, sender.bare, self.login.muc_nickname)
            self.joined.add(sender.bare)
            self.state.set_registered(self.login.name, self.joined >= set(self.login.muc_jids))

    def _presence_error(self, presence):
        log.error("%s: could not join %s: %s", self.label, presence["from"].bare, presence["error"]["condition"])
        self.joined.discard(presence["from"].bare)
        self.state.set_registered(self.login.name, False)

    def _health_iq(self, iq):
        if iq["type"] != "get":
            return
        result = self.state.health_result
        reply = iq.reply(clear=True)
        if not result.success:
            reply["error"]["type"] = "cancel"
            reply["error"]["condition"] = "internal-server-error"
            reply["error"]["text"] = result.message or ""
        reply.send()


    def _colibri2_iq(self, iq):
        """XmppConnection.kt: a conference-modify set is handed to Videobridge.handleConferenceModifyIq
        (colibri.py); its conference-modified or error is the answer."""
        if iq["type"] != "set":
            return
        modify = iq.xml.find(f"{{{COLIBRI2}}}conference-modify")
        reply = iq.reply(clear=True)
        try:
            reply.append(self.state.colibri.handle(modify))
        except ColibriError as exc:
            log.warning("%s: conference-modify refused: %s %s", self.label, exc.condition, exc.text)
            reply = iq.reply(clear=True)
            reply["error"]["type"] = "cancel" if exc.condition != "bad-request" else "modify"
            reply["error"]["condition"] = exc.condition
            reply["error"]["text"] = exc.text
            if exc.reason:
                reply["error"].xml.append(error_element(exc.reason))
        reply.send()


class Focus(_Session):
    """Jicofo's focus user: watches the brewery (BridgeMucDetector/BaseBrewery), health-checks each
    bridge (JvbDoctor), and runs JicofoHealthChecker's XMPP part."""

    def __init__(self, config, state):
        super().__init__(config.login, f"focus {config.login.jid}")
        self.config = config
        self.state = state
        self.checks = {}  # bridge occupant JID -> asyncio task
        self.rooms = {}  # health-check room JID -> future of the join
        self.conferences = {}  # room JID -> Conference (FocusManager)
        self.auth = auth.authority(config.authentication)
        self.add_event_handler("presence", self._presence)
        self.register_handler(Callback(
            "conference", MatchXPath(f"{{{self.default_ns}}}iq/{{{FOCUS}}}conference"), self._conference_iq))

    def on_online(self):
        if self.config.brewery:
            log.info("%s: watching %s", self.label, self.config.brewery)
            _room_presence(self, self.config.brewery, self.config.login.username).send()
        else:
            log.error("No bridge detector configured.")
        self.state.connected = True

    def on_offline(self):
        self.state.connected = False
        self.conferences.clear()
        for jid in list(self.state.bridges):
            self._bridge_gone(jid)

    def _presence(self, presence):
        sender = presence["from"]
        if sender.bare in self.rooms:
            self._health_room_presence(presence)
            return
        if sender.bare in self.conferences:
            self.conferences[sender.bare].presence(presence)
            return
        if sender.bare != self.config.brewery or sender.resource == self.config.login.username:
            return
        jid = str(sender)
        if presence["type"] in ("unavailable", "error"):
            if jid in self.state.bridges:
                log.info("bridge %s left the brewery", sender.resource)
            self._bridge_gone(jid)
            return
        element = presence.xml.find(f"{{{COLIBRI}}}stats")
        if element is None:
            return  # BaseBrewery: a member without colibri stats is not a bridge (yet)
        stats = parse_stats(element)
        if self.state.update_bridge(jid, stats):
            log.info("Added new videobridge: %s (region %s, version %s)", jid, stats.get("region"),
                     stats.get("version"))
            if self.config.bridge_checks_enabled:
                self.checks[jid] = asyncio.ensure_future(self._check_bridge(jid))

    def _bridge_gone(self, jid):
        self.state.remove_bridge(jid)
        for conference in list(self.conferences.values()):
            conference.colibri.bridge_removed(jid)
        task = self.checks.pop(jid, None)
        if task:
            task.cancel()

    async def _check_bridge(self, jid):
        """JvbDoctor: every interval (the first after one interval), one retry after a timeout."""
        while True:
            await asyncio.sleep(self.config.bridge_check_interval)
            bridge = self.state.bridges.get(jid)
            if bridge is None or not self.in_session:
                continue
            if self.config.bridge_checks_use_presence:
                outcome = bridge.presence_health(self.config.bridge_presence_timeout)
            else:
                outcome = await self._health_iq(jid)
                if outcome == "timed out" and self.config.bridge_check_retry_delay > 0:
                    log.warning("%s health-check timed out, but will give it another try", jid)
                    await asyncio.sleep(self.config.bridge_check_retry_delay)
                    outcome = await self._health_iq(jid)
            if outcome != "passed":
                log.warning("Health check %s for: %s", outcome, jid)
            bridge.health_check(outcome)

    async def _health_iq(self, jid):
        iq = self.make_iq_get(ito=jid)
        iq.append(ET.Element(f"{{{HEALTHCHECK}}}healthcheck"))
        try:
            await iq.send(timeout=self.config.reply_timeout)
        except IqTimeout:
            return "timed out"
        except IqError as exc:
            condition = exc.iq["error"]["condition"]
            if condition in ("internal-server-error", "service-unavailable"):
                log.warning("Health check failed for %s: %s %s", jid, condition, exc.iq["error"]["text"])
                return "failed"
            log.error("Unexpected error returned by the bridge %s: %s", jid, condition)
            return "unexpected"
        return "passed"

    # ConferenceIqHandler.kt -------------------------------------------------------------------
    def _conference_iq(self, iq):
        if iq["type"] != "set":
            return
        room = iq.xml.find(f"{{{FOCUS}}}conference").get("room")
        if not room:
            reply = iq.reply(clear=True)
            reply["error"]["type"] = "modify"
            reply["error"]["condition"] = "bad-request"
            reply["error"]["text"] = "No 'room' specified."
            reply.send()
            return
        query = iq.xml.find(f"{{{FOCUS}}}conference")
        sender = client_jid(self.config.client_proxy, iq["from"])
        log.info("Conference request for room %s, from %s, token=%s", room, sender, query.get("token") is not None)
        room = room.lower()
        # processExtensions: authentication first; only authenticated users create rooms.
        error, attributes, properties = auth.check_request(
            self.auth, sender, room, room in self.conferences, f"breakout.{self.config.xmpp_domain}",
            query.get("session-id"), query.get("machine-uid"))
        if error:
            apply_error(iq.reply(clear=True), error).send()
            return
        asyncio.ensure_future(self._answer_conference(iq, room, properties, attributes))

    async def _answer_conference(self, iq, room, properties=None, attributes=None):
        """FocusManager.conferenceRequest, then the result. If joining the room fails, upstream's
        request task dies with the exception: the client gets no answer at all."""
        conference = self.conferences.get(room)
        if conference is None:
            conference = self.conferences[room] = Conference(self, room)
            self.state.conference_created()
            try:
                await conference.start()
            except (RuntimeError, asyncio.TimeoutError, IqError, IqTimeout) as exc:
                log.warning("Exception while trying to start the conference: %s", exc)
                conference.stop()
                return
        await conference.joined
        reply = iq.reply(clear=True)
        reply.append(answer_element(room, self.config.login.jid, conference.joined.result() is None, properties,
                                    attributes))
        reply.send()

    # JicofoHealthChecker.kt --------------------------------------------------------------------
    async def health_check(self):
        result = self.state.no_bridge_result()
        if result:
            return result
        room = f"{self.config.health_room_prefix}-{random.getrandbits(63)}@{self.config.conference_muc}"
        joined = asyncio.get_running_loop().create_future()
        self.rooms[room] = joined
        try:
            _room_presence(self, room, self.config.login.username).send()
            try:
                error = await asyncio.wait_for(joined, self.config.reply_timeout)
            except asyncio.TimeoutError:
                return Result(False, False, "Test conference failed to start due to timeout.")
            if error:
                log.error("health check room %s refused: %s", room, error)
                return Result(False, True, "Test conference failed to start.")
        finally:
            self.rooms.pop(room, None)
            self.make_presence(pto=f"{room}/{self.config.login.username}", ptype="unavailable").send()
        # Any answer to the ping counts (the real check waits for a stanza with the ping's id).
        ping = self.make_iq_get(ito=self.config.xmpp_domain)
        ping.append(ET.Element(f"{{{PING}}}ping"))
        try:
            await ping.send(timeout=5)
        except IqError:
            pass
        except IqTimeout:
            return Result(False, False, "XMPP ping failed: did not receive xmpp ping response for client")
        return Result()

    def _health_room_presence(self, presence):
        joined = self.rooms.get(presence["from"].bare)
        if joined is None or joined.done() or presence["from"].resource != self.config.login.username:
            return
        if presence["type"] == "error":
            joined.set_result(presence["error"]["condition"] or "error")
        elif presence["type"] != "unavailable":
            joined.set_result(None)
