"""A participant's signalling path, as jitsi-meet's browser client walks it (standard library only).

The load generator's participants and the `cluster` scenario's client-path tests both use it:
the presence jitsi-meet sends (lib-jitsi-meet's ChatRoom presence map), presence updates, chat,
XMPP pings, leaving, TLS verification, and a mode that stops keeping received stanzas once
joined (a participant that stays for minutes would otherwise hold every presence of its room).

wss://<front>/xmpp-websocket?room=<room> (XMPP over WebSocket, RFC 7395, subprotocol `xmpp`),
SASL ANONYMOUS on the main domain, bind, the conference request to focus.<domain>
(http://jitsi.org/protocol/focus, lib-jitsi-meet modules/xmpp/moderator.js), then the MUC join of
<room>@conference.<domain>. Each step is timed. The room parameter is what HAProxy sticks a room
to a shard by; the answer's X-Jitsi-Shard header says which shard took the connection.
"""

import asyncio
import base64
import itertools
import os
import ssl
import struct
import time
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
BIND = "urn:ietf:params:xml:ns:xmpp-bind"
STANZAS = "jabber:client"
FOCUS = "http://jitsi.org/protocol/focus"
MUC = "http://jabber.org/protocol/muc"
MUC_USER = MUC + "#user"
MUC_OWNER = MUC + "#owner"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
ERRORS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NICK = "http://jabber.org/protocol/nick"
CAPS = "http://jabber.org/protocol/caps"
JITSI_MEET = "http://jitsi.org/jitsi-meet"
PING = "urn:xmpp:ping"
_ids = itertools.count(1)


class XmppError(Exception):
    """A stanza error: its condition and the whole error stanza (for extensions like lobbyroom)."""

    def __init__(self, what, stanza):
        self.stanza = stanza
        error = stanza.find(f"{{{STANZAS}}}error")
        self.condition = next((c.tag.split("}")[1] for c in error if c.tag.startswith(f"{{{ERRORS}}}")
                               and not c.tag.endswith("}text")), "unknown") if error is not None else "unknown"
        super().__init__(f"{what}: {self.condition}")


class UpgradeRefused(ConnectionError):
    """The websocket upgrade answered with another status than 101 (HAProxy's 503, nginx's 502...)."""

    def __init__(self, status_line, shard):
        parts = status_line.split()
        self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        super().__init__(f"websocket upgrade refused: {status_line} (shard {shard})")


def q(tag, ns=STANZAS):
    return f"{{{ns}}}{tag}"


class MeetClient:
    def __init__(self, address, domain, room, port=443, tenant=None, timeout=15, ssl_context=None):
        self.address, self.domain, self.room, self.port = address, domain, room.lower(), port
        self.tenant, self.timeout, self.ssl_context = tenant, timeout, ssl_context
        self.muc = f"conference.{tenant + '.' if tenant else ''}{domain}"
        self.room_jid = f"{self.room}@{self.muc}"
        self.headers = {}
        self.timings = {}
        self.jid = None
        self.stanzas = []
        self.keep = True  # False once joined: stanzas are only counted
        self.received = 0
        self.ended = asyncio.Event()
        self.nick = self.display = None
        self.audio_muted = self.video_muted = True
        self._changed = asyncio.Condition()
        self._reader = self._writer = self._task = None

    # WebSocket ---------------------------------------------------------------------------------
    async def connect(self):
        started = time.monotonic()
        context = self.ssl_context or unverified_context()
        self._reader, self._writer = await asyncio.wait_for(asyncio.open_connection(
            self.address, self.port, ssl=context, server_hostname=self.domain), self.timeout)
        path = f"/{self.tenant}/xmpp-websocket" if self.tenant else "/xmpp-websocket"
        key = base64.b64encode(os.urandom(16)).decode()
        self._writer.write((f"GET {path}?room={self.room} HTTP/1.1\r\nHost: {self.domain}\r\n"
                            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: xmpp\r\n\r\n").encode())
        head = await asyncio.wait_for(self._reader.readuntil(b"\r\n\r\n"), self.timeout)
        status, *lines = head.decode("latin-1").split("\r\n")
        self.headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
        if " 101 " not in status + " ":
            raise UpgradeRefused(status, self.shard)
        self._task = asyncio.ensure_future(self._read_frames())
        self.timings["connect"] = time.monotonic() - started

    @property
    def shard(self):
        return self.headers.get("x-jitsi-shard")

    def _send_frame(self, opcode, payload):
        mask = os.urandom(4)
        size = len(payload)
        header = bytes([0x80 | opcode])
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", size)
        self._writer.write(header + mask + unmask(payload, mask))

    async def _frame(self):
        first, second = await self._reader.readexactly(2)
        size = second & 0x7F
        if size == 126:
            size = struct.unpack("!H", await self._reader.readexactly(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", await self._reader.readexactly(8))[0]
        mask = await self._reader.readexactly(4) if second & 0x80 else None
        data = await self._reader.readexactly(size)
        if mask:
            data = unmask(data, mask)
        return first & 0x80, first & 0x0F, data

    async def _read_frames(self):
        message = b""
        try:
            while True:
                fin, opcode, data = await self._frame()
                if opcode == 0x9:
                    self._send_frame(0xA, data)
                    continue
                if opcode == 0x8:
                    break
                message += data
                if fin and message:
                    self.received += 1
                    if self.keep:
                        stanza = ET.fromstring(message.decode())
                        async with self._changed:
                            self.stanzas.append(stanza)
                            self._changed.notify_all()
                    message = b""
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        self.ended.set()
        async with self._changed:
            self.stanzas.append(None)  # the end of the stream
            self._changed.notify_all()

    def forget(self):
        """Stop keeping stanzas (only count them): waits on earlier marks are over once joined."""
        self.keep = False
        self.stanzas.clear()

    # XMPP --------------------------------------------------------------------------------------
    def send(self, xml):
        self._send_frame(0x1, xml.encode())

    async def wait_for(self, match, what, start=0):
        """The first stanza (from index start) that match() accepts."""
        async def find():
            async with self._changed:
                seen = start
                while True:
                    for stanza in self.stanzas[seen:]:
                        if stanza is None:
                            raise ConnectionError(f"{what}: the server closed the stream")
                        if match(stanza):
                            return stanza
                    seen = len(self.stanzas)
                    await self._changed.wait()
        return await asyncio.wait_for(find(), self.timeout)

    async def iq(self, kind, to, payload, what):
        ident = f"c{next(_ids)}"
        mark = len(self.stanzas)
        to_attr = f" to='{to}'" if to else ""
        self.send(f"<iq xmlns='{STANZAS}' type='{kind}' id='{ident}'{to_attr}>{payload}</iq>")
        reply = await self.wait_for(lambda s: s.tag == q("iq") and s.get("id") == ident, what, mark)
        if reply.get("type") == "error":
            raise XmppError(what, reply)
        return reply

    async def login(self):
        started = time.monotonic()
        await self._open()
        mark = len(self.stanzas)
        self.send(f"<auth xmlns='{SASL}' mechanism='ANONYMOUS'/>")
        answer = await self.wait_for(lambda s: s.tag in (q("success", SASL), q("failure", SASL)), "SASL", mark)
        if answer.tag != q("success", SASL):
            raise PermissionError(f"SASL ANONYMOUS refused: {ET.tostring(answer).decode()}")
        await self._open()
        bound = await self.iq("set", None, f"<bind xmlns='{BIND}'/>", "bind")
        self.jid = bound.find(f"{q('bind', BIND)}/{q('jid', BIND)}").text
        self.timings["auth"] = time.monotonic() - started

    async def _open(self):
        mark = len(self.stanzas)
        self.send(f"<open xmlns='{FRAMING}' to='{self.domain}' version='1.0'/>")
        await self.wait_for(lambda s: s.tag == "{http://etherx.jabber.org/streams}features", "stream features", mark)

    async def conference_request(self):
        """What lib-jitsi-meet's moderator.js sends before joining; the answer says ready='true'."""
        started = time.monotonic()
        reply = await self.iq("set", f"focus.{self.domain}",
                              f"<conference xmlns='{FOCUS}' room='{self.room_jid}' machine-uid='{uuid.uuid4().hex}'>"
                              "<property name='rtcstatsEnabled' value='false'/></conference>", "conference request")
        conference = reply.find(q("conference", FOCUS))
        if conference is None or conference.get("ready") != "true":
            raise RuntimeError(f"focus did not answer ready: {ET.tostring(reply).decode()}")
        self.timings["focus"] = time.monotonic() - started
        return conference

    def presence(self, joining=False, region=None):
        """Our presence as jitsi-meet sends it; the MUC <x/> only on the join."""
        occupant = f"{self.room_jid}/{self.nick}"
        sources = (f'{{"{self.nick}-a0":{{"muted":{str(self.audio_muted).lower()}}},'
                   f'"{self.nick}-v0":{{"muted":{str(self.video_muted).lower()}}}}}')
        return (f"<presence xmlns='{STANZAS}' to={quoteattr(occupant)}>"
                + (f"<x xmlns='{MUC}'/>" if joining else "")
                + f"<stats-id>{escape(self.display[:3])}-{self.nick[:4]}</stats-id>"
                # config.deploymentInfo.userRegion: Jicofo reads jitsi_participant_region (ChatRoomMemberImpl);
                # without it Prosody adds the front's X-Proxy-Region there (mod_muc_meeting_id).
                + (f"<region id={quoteattr(region)} xmlns='{JITSI_MEET}'/>"
                   f"<jitsi_participant_region>{escape(region)}</jitsi_participant_region>" if region else "")
                + f"<c xmlns='{CAPS}' hash='sha-1' node='https://jitsi.org/jitsi-meet' ver='loadtest'/>"
                f"<SourceInfo>{escape(sources)}</SourceInfo>"
                "<jitsi_participant_codecList>vp9,vp8,h264</jitsi_participant_codecList>"
                f"<audiomuted>{str(self.audio_muted).lower()}</audiomuted>"
                f"<videomuted>{str(self.video_muted).lower()}</videomuted>"
                f"<nick xmlns='{NICK}'>{escape(self.display)}</nick></presence>")

    async def join(self, nick, display=None, region=None):
        """Join the room; return our own presence (status 110). A refusal raises XmppError.

        nick is the MUC resource (jitsi-meet uses its endpoint id there), display the name shown."""
        started = time.monotonic()
        self.nick, self.display = nick, display or nick
        occupant = f"{self.room_jid}/{nick}"
        mark = len(self.stanzas)
        self.send(self.presence(joining=True, region=region))
        presence = await self.wait_for(
            lambda s: s.tag == q("presence") and s.get("from") == occupant
            and (s.get("type") == "error" or s.find(f"{q('x', MUC_USER)}/{q('status', MUC_USER)}[@code='110']") is not None),
            f"join {occupant}", mark)
        if presence.get("type") == "error":
            raise XmppError(f"join {occupant}", presence)
        self.timings["muc"] = time.monotonic() - started
        return presence

    def occupants(self):
        """Nicks present in the room, as the presences received so far say."""
        present = {}
        for stanza in self.stanzas:
            if stanza is not None and stanza.tag == q("presence") and (stanza.get("from") or "").startswith(self.room_jid + "/"):
                present[stanza.get("from").split("/", 1)[1]] = stanza.get("type") != "unavailable"
        return {nick for nick, here in present.items() if here}

    async def wait_occupant(self, nick):
        return await self.wait_for(lambda s: s.tag == q("presence") and s.get("from") == f"{self.room_jid}/{nick}"
                                   and s.get("type") is None, f"{nick} in {self.room_jid}")

    async def role(self):
        """Our own role in the room as the latest self-presence says (Jicofo grants moderator)."""
        mine = [s for s in self.stanzas if s is not None and s.tag == q("presence")
                and s.get("from") == f"{self.room_jid}/{self.nick}"]
        item = mine[-1].find(f"{q('x', MUC_USER)}/{q('item', MUC_USER)}") if mine else None
        return item.get("role") if item is not None else None

    async def wait_role(self, role):
        await self.wait_for(lambda s: s.tag == q("presence") and s.get("from") == f"{self.room_jid}/{self.nick}"
                            and s.find(f"{q('x', MUC_USER)}/{q('item', MUC_USER)}[@role='{role}']") is not None,
                            f"role {role} in {self.room_jid}")

    async def configure(self, fields):
        """Submit the room configuration form (as lib-jitsi-meet does to switch the lobby on)."""
        values = "".join(f"<field var='{k}'><value>{v}</value></field>" for k, v in fields.items())
        await self.iq("set", self.room_jid,
                      f"<query xmlns='{MUC_OWNER}'><x xmlns='jabber:x:data' type='submit'>"
                      f"<field var='FORM_TYPE'><value>{MUC}#roomconfig</value></field>{values}</x></query>",
                      "room configuration")

    async def disco(self, to, kind="info"):
        ns = DISCO_INFO if kind == "info" else DISCO_ITEMS
        return (await self.iq("get", to, f"<query xmlns='{ns}'/>", f"disco#{kind} {to}")).find(q("query", ns))

    def toggle_audio(self):
        """A presence update, as a participant muting or unmuting sends it."""
        self.audio_muted = not self.audio_muted
        self.send(self.presence())

    def chat(self, text):
        self.send(f"<message xmlns='{STANZAS}' to='{self.room_jid}' type='groupchat'>"
                  f"<body>{escape(text)}</body><nick xmlns='{NICK}'>{escape(self.display)}</nick></message>")

    def ping(self):
        """XEP-0199 keepalive, as lib-jitsi-meet sends every 10 s; the answer is only counted."""
        self.send(f"<iq xmlns='{STANZAS}' type='get' id='p{next(_ids)}' to='{self.domain}'><ping xmlns='{PING}'/></iq>")

    async def leave(self):
        """Leave the room, then close the stream."""
        if self._writer is not None and not self.ended.is_set():
            try:
                self.send(f"<presence xmlns='{STANZAS}' to={quoteattr(f'{self.room_jid}/{self.nick}')} type='unavailable'/>")
            except (ConnectionError, RuntimeError):
                pass
        await self.close()

    async def close(self):
        if self._writer is None:
            return
        try:
            self.send(f"<close xmlns='{FRAMING}'/>")
            self._send_frame(0x8, b"")
            await self._writer.drain()
        except (ConnectionError, RuntimeError):
            pass
        self._writer.close()
        if self._task:
            self._task.cancel()

    async def __aenter__(self):
        await self.connect()
        return self

    async def __aexit__(self, *exc):
        await self.close()


def unverified_context():
    """TLS without verification: the lab's and molecule's self-signed certificates."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


def unmask(data, mask):
    """WebSocket masking (XOR with the 4-byte key) as one big-integer XOR: fast enough for load."""
    if not data:
        return data
    key = (mask * (len(data) // 4 + 1))[:len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(len(data), "big")


async def enter(address, domain, room, nick, display=None, **options):
    """A participant in the room: connect, log in, ask focus, join. Returns the open client."""
    client = MeetClient(address, domain, room, **options)
    await client.connect()
    try:
        await client.login()
        await client.conference_request()
        await client.join(nick, display)
    except BaseException:
        await client.close()
        raise
    return client
