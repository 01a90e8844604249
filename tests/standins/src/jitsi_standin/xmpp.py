"""XMPP sessions of the stand-ins: c2s login + MUC presence, and the XEP-0114 component.

Every session reconnects by itself and reports whether it is registered, so a wrong password,
a wrong component secret or an unreachable Prosody shows as an unhealthy service with a log
line that says which, exactly what an operator sees with the real services.
"""

import asyncio
import logging
import ssl
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

COLIBRI = "http://jitsi.org/protocol/colibri"
MUC = "http://jabber.org/protocol/muc"
RETRY_SECONDS = 5
log = logging.getLogger(__name__)


def stats_element(stats):
    """Colibri stats as the real bridge puts them in its brewery presence."""
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


def _tls(client, verify):
    if not verify:
        client.ssl_context.check_hostname = False
        client.ssl_context.verify_mode = ssl.CERT_NONE


class _Reconnecting:
    """Mixin: reconnect after RETRY_SECONDS and report registration changes."""

    def _setup(self, label, address, on_state):
        self.label = label
        self.address_to_use = address
        self.on_state = on_state
        self.stopping = False
        self.add_event_handler("connection_failed", self._failed)
        self.add_event_handler("disconnected", self._lost)
        self.add_event_handler("stream_error", self._stream_error)

    def start(self):
        log.info("%s: connecting to %s:%s", self.label, *self.address_to_use)
        self._connect()

    def _retry(self):
        if not self.stopping:
            self.loop.call_later(RETRY_SECONDS, self._connect)

    def _failed(self, error):
        log.error("%s: cannot reach Prosody at %s:%s (%s); retrying", self.label, *self.address_to_use, error)
        self.on_state(False)
        self._retry()

    def _lost(self, _event):
        self.on_state(False)
        if not self.stopping:
            log.warning("%s: disconnected; reconnecting", self.label)
            self._retry()

    def _stream_error(self, error):
        log.error("%s: Prosody closed the stream: %s %s", self.label, error["condition"], error["text"])

    async def stop(self):
        self.stopping = True
        self.disconnect()
        await asyncio.sleep(0.2)


class MucMember(_Reconnecting, slixmpp.ClientXMPP):
    """c2s login, then presence in each MUC (the brewery) with colibri stats."""

    def __init__(self, login, label, get_stats, on_state):
        slixmpp.ClientXMPP.__init__(self, login.jid, login.password)
        self.login = login
        self.get_stats = get_stats
        self._setup(label, (login.hostname, login.port), on_state)
        _tls(self, login.verify_certificate)
        self.add_event_handler("session_start", self._session_start)
        self.add_event_handler("failed_auth", self._failed_auth)
        self.add_event_handler("presence_error", self._presence_error)
        self.add_event_handler("presence", self._presence)
        self.last_sent = None
        self.in_session = False
        self.add_event_handler("disconnected", self._left)

    def _connect(self):
        self.connect(address=self.address_to_use)

    def _left(self, _event):
        self.in_session = False

    def _failed_auth(self, _stanza):
        log.error("%s: authentication failed for %s: check the password in the config", self.label, self.login.jid)
        self.on_state(False)
        self.disconnect()

    def _session_start(self, _event):
        log.info("%s: logged in as %s", self.label, self.login.jid)
        self.send_presence()
        self.in_session = True
        self.announce(force=True)

    def announce(self, force=False):
        """(Re)send presence to every MUC when the stats changed."""
        if not self.in_session:
            return
        stats = self.get_stats()
        if not force and stats == self.last_sent:
            return
        self.last_sent = stats
        for room in self.login.muc_jids:
            presence = self.make_presence(pto=f"{room}/{self.login.muc_nickname}")
            presence.append(ET.Element(f"{{{MUC}}}x"))
            presence.append(stats_element(stats))
            presence.send()

    def _presence(self, presence):
        # Our own presence reflected by the MUC (status 110) means we are in the brewery.
        if presence["from"].bare in self.login.muc_jids and presence["from"].resource == self.login.muc_nickname \
                and presence["type"] != "error" and presence["type"] != "unavailable":
            self.on_state(True)

    def _presence_error(self, presence):
        log.error("%s: could not join %s: %s", self.label, presence["from"].bare, presence["error"]["condition"])
        self.on_state(False)


class BridgeComponent(_Reconnecting, slixmpp.ComponentXMPP):
    """XEP-0114 component; answers colibri stats queries from Jicofo."""

    def __init__(self, component, get_stats, on_state):
        slixmpp.ComponentXMPP.__init__(self, component.jid, component.secret, component.host, component.port)
        self.get_stats = get_stats
        self._setup(f"component {component.jid}", (component.host, component.port), on_state)
        self.add_event_handler("session_start", self._session_start)
        self.register_handler(Callback(
            "colibri stats", MatchXPath(f"{{{self.default_ns}}}iq/{{{COLIBRI}}}stats"), self._stats_query))

    def _connect(self):
        self.connect(host=self.address_to_use[0], port=self.address_to_use[1])

    def _session_start(self, _event):
        log.info("%s: handshake accepted", self.label)
        self.on_state(True)

    def _stream_error(self, error):
        super()._stream_error(error)
        if error["condition"] == "not-authorized":
            log.error("%s: handshake refused: check JVB_SECRET", self.label)

    def _stats_query(self, iq):
        if iq["type"] != "get":
            return
        reply = iq.reply()
        reply.clear()
        reply.xml.append(stats_element(self.get_stats()))
        reply.send()

    def announce(self, force=False):
        """Components are polled by Jicofo; nothing to push."""


class Focus(_Reconnecting, slixmpp.ClientXMPP):
    """Jicofo's focus user: watches the brewery and discovers component bridges."""

    def __init__(self, config, state):
        slixmpp.ClientXMPP.__init__(self, config.login.jid, config.login.password)
        self.config = config
        self.state = state
        self._setup(f"focus {config.login.jid}", (config.login.hostname, config.login.port), self._set_connected)
        _tls(self, config.login.verify_certificate)
        self.register_plugin("xep_0030")
        self.add_event_handler("session_start", self._session_start)
        self.add_event_handler("failed_auth", self._failed_auth)
        self.add_event_handler("presence", self._presence)
        self.components = set()

    def _connect(self):
        self.connect(address=self.address_to_use)

    def _set_connected(self, value):
        self.state.connected = value
        if not value:
            self.state.bridges.clear()

    def _failed_auth(self, _stanza):
        log.error("%s: authentication failed: check the focus password in jicofo.conf", self.label)
        self._set_connected(False)
        self.disconnect()

    def _session_start(self, _event):
        log.info("%s: logged in; watching %s", self.label, self.config.brewery)
        self.send_presence()
        presence = self.make_presence(pto=f"{self.config.brewery}/focus")
        presence.append(ET.Element(f"{{{MUC}}}x"))
        presence.send()
        self._set_connected(True)

    def _presence(self, presence):
        sender = presence["from"]
        if sender.bare != self.config.brewery or sender.resource == "focus":
            return
        if presence["type"] == "unavailable":
            log.info("bridge %s left the brewery", sender.resource)
            self.state.remove_bridge(str(sender))
            return
        element = presence.xml.find(f"{{{COLIBRI}}}stats")
        stats = parse_stats(element) if element is not None else {}
        if str(sender) not in self.state.bridges:
            log.info("bridge %s joined the brewery (region %s)", sender.resource, stats.get("region", "?"))
        self.state.update_bridge(str(sender), stats)

    async def poll_components(self):
        """Bridges registered as components: every subdomain component that answers colibri stats."""
        if not self.state.connected:
            return
        try:
            items = await self["xep_0030"].get_items(jid=self.config.xmpp_domain, timeout=5)
        except (slixmpp.exceptions.IqError, slixmpp.exceptions.IqTimeout):
            return
        seen = set()
        for jid, _node, _name in items["disco_items"]["items"]:
            iq = self.make_iq_get(ito=jid)
            iq.append(ET.Element(f"{{{COLIBRI}}}stats"))
            try:
                reply = await iq.send(timeout=3)
            except (slixmpp.exceptions.IqError, slixmpp.exceptions.IqTimeout):
                continue
            element = reply.xml.find(f"{{{COLIBRI}}}stats")
            if element is None:
                continue
            seen.add(jid)
            if jid not in self.components:
                log.info("component bridge %s is up", jid)
            self.state.update_bridge(jid, parse_stats(element))
        for gone in self.components - seen:
            log.info("component bridge %s is gone", gone)
            self.state.remove_bridge(gone)
        self.components = seen
