"""The bridge's relay transport: an ICE agent that runs real connectivity checks, then paced dummy media.

Modelled on jitsi-videobridge @a29d97d1 relay/Relay.kt and transport/ice/IceTransport.kt (a relay's ICE
agent is controlling or controlled as Jicofo says; with use-unique-port it gets its own sockets on
ephemeral ports, as ice4j's Agent with setUseDynamicPorts(true) and its default host harvester; without,
it shares the single-port harvester's sockets, demultiplexed by ICE ufrag) and on RFC 8445 for what ice4j
does: pairs of every local host candidate with every remote candidate, checked in pair-priority order,
paced (Ta = 20 ms) and retransmitted; the controlling agent nominates (USE-CANDIDATE) the first pair whose
check succeeds, the controlled agent selects the pair nominated to it. ICE-lite, aggressive nomination,
role conflicts, TURN and IPv6 are left out.

No DTLS and no SRTP: once a pair is selected both sides send dummy "media" packets over it (10 packets/s
of 200 bytes, first byte 0x80 like RTP, so the single-port demultiplexer tells them from STUN, RFC 7983)
until the relay is expired, and count what they send and receive.
"""

import asyncio
import logging
import os
import secrets
import socket
import string
import time
from collections import deque

from . import stun

log = logging.getLogger("jitsi_standin.relay")

PACE = 0.02  # RFC 8445 14.2: Ta, the pacing of checks
RETRANSMITS = (0.1, 0.2, 0.4, 0.8)  # waits after each transmission: 4 sends, "no answer" after 1.5 s
NOMINATION_TIMEOUT = 10  # controlled side: no nomination this long after its checks ended -> failed
MEDIA_RATE = 10  # a trickle, not an audio stream: a CI machine runs dozens of relays at once
MEDIA_SIZE = 200
_ALPHABET = string.ascii_letters + string.digits


def _random(length):
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def address(pair):
    return f"{pair[0]}:{pair[1]}"


class RateMeter:
    """Packets and bytes per second over the last few whole seconds (VideobridgePeriodicMetrics samples
    the relays' rates; the stand-in keeps 1-second buckets)."""

    def __init__(self, window=5, clock=time.monotonic):
        self.window = window
        self.clock = clock
        self.buckets = deque()  # [second, packets, bytes]

    def add(self, size):
        second = int(self.clock())
        if self.buckets and self.buckets[-1][0] == second:
            self.buckets[-1][1] += 1
            self.buckets[-1][2] += size
        else:
            self.buckets.append([second, 1, size])
        while self.buckets and self.buckets[0][0] < second - self.window - 1:
            self.buckets.popleft()

    def rates(self):
        """(packets/s, bits/s) over the last `window` complete seconds."""
        now = int(self.clock())
        recent = [b for b in self.buckets if now - self.window <= b[0] < now]
        return sum(b[1] for b in recent) // self.window, sum(b[2] for b in recent) * 8 // self.window


class Agent:
    """One ICE agent (one component, UDP, IPv4). `send(local, remote, data)` sends from a local
    candidate's address; the owner feeds received datagrams to `datagram()`."""

    def __init__(self, name, controlling, send, clock=time.monotonic, pace=PACE, retransmits=RETRANSMITS):
        self.name = name
        self.controlling = controlling
        self.send = send
        self.clock = clock
        self.pace = pace
        self.retransmits = retransmits
        # ice4j: a random ufrag (with IceConfig's ufrag prefix, none by default) and a 24-character password.
        self.ufrag = _random(8)
        self.pwd = _random(24)
        self.tie_breaker = os.urandom(8)
        self.local_candidates = []  # [{"type", "ip", "port", "priority", ...}] host candidates first
        self.remote_candidates = []
        self.remote_ufrag = self.remote_pwd = None
        self.state = "new"
        self.checks = []  # finished checks: {"local", "remote", "result"} (+ their pair index)
        self.selected = None  # (local (ip, port), remote (ip, port))
        self.remote_at = self.selected_at = None
        self.pending = {}  # transaction id -> future of the answer
        self.tasks = []
        self.packets_sent = self.packets_received = self.bytes_sent = self.bytes_received = 0
        self.sent_meter, self.received_meter = RateMeter(clock=clock), RateMeter(clock=clock)
        self.closed = False

    # candidates and pairs ---------------------------------------------------------------------------
    def add_host_candidates(self, addresses):
        """Host candidates, one per (ip, port), local preference decreasing in harvest order."""
        for number, (ip, port) in enumerate(addresses):
            self.local_candidates.append({"type": "host", "protocol": "udp", "ip": ip, "port": port,
                                          "priority": stun.candidate_priority("host", 65535 - number)})

    def add_reflexive_candidates(self, found):
        """Server-reflexive candidates from the mapping harvesters: [(ip, port, base_ip, base_port)]."""
        for number, (ip, port, base_ip, base_port) in enumerate(found):
            candidate = {"type": "srflx", "protocol": "udp", "ip": ip, "port": port, "rel-addr": base_ip,
                         "rel-port": base_port, "priority": stun.candidate_priority("srflx", 65535 - number)}
            if not any(c["ip"] == ip and c["port"] == port for c in self.local_candidates):
                self.local_candidates.append(candidate)

    def pairs(self):
        """Every local host candidate with every remote candidate (host, srflx; IPv4), highest RFC 8445
        pair priority first (ties: in local, then remote candidate order)."""
        found = []
        for local in self.local_candidates:
            if local["type"] != "host":
                continue  # a reflexive candidate's base is a host candidate: same pair (RFC 8445 6.1.2.4)
            for remote in self.remote_candidates:
                if ":" in remote["ip"] or remote.get("protocol", "udp") != "udp":
                    continue
                mine, theirs = local["priority"], int(remote.get("priority", 0))
                priority = stun.pair_priority(mine, theirs) if self.controlling else stun.pair_priority(theirs, mine)
                key = ((local["ip"], local["port"]), (remote["ip"], int(remote["port"])))
                if all(key != (l, r) for _p, _n, l, r in found):
                    found.append((priority, len(found), *key))
        found.sort(key=lambda item: (-item[0], item[1]))
        return [(local, remote) for _p, _n, local, remote in found]

    # the remote side ------------------------------------------------------------------------------
    def set_remote(self, ufrag, pwd, candidates):
        """IceTransport.startConnectivityEstablishment: the peer's credentials and candidates."""
        if self.remote_ufrag is not None:
            return  # no ICE restart in the stand-in
        self.remote_ufrag, self.remote_pwd = ufrag, pwd
        self.remote_candidates = list(candidates)
        self.remote_at = self.clock()
        if self.state == "new":
            self.state = "checking"
        self.tasks.append(asyncio.ensure_future(self._run_checks()))

    async def _run_checks(self):
        pairs = self.pairs()
        log.info("%s: ICE %s, %d pairs", self.name, "controlling" if self.controlling else "controlled", len(pairs))
        checks = []
        for number, (local, remote) in enumerate(pairs):
            if self.closed:
                return
            checks.append(asyncio.ensure_future(self._check(number, local, remote)))
            await asyncio.sleep(self.pace)
        await asyncio.gather(*checks, return_exceptions=True)
        if self.selected is None and not self.closed:
            if self.controlling and not any(c["result"] == "answered" for c in self.checks):
                self._fail("no pair answered")
            elif not self.controlling:
                await asyncio.sleep(NOMINATION_TIMEOUT)
                if self.selected is None and not self.closed:
                    self._fail("no pair was nominated")

    async def _transact(self, local, remote, use_candidate=False):
        """Send one check and its retransmissions; the answer (a stun.Message) or None."""
        transaction = stun.transaction_id()
        future = asyncio.get_running_loop().create_future()
        self.pending[transaction] = future
        local_priority = next((c["priority"] for c in self.local_candidates
                               if (c["ip"], c["port"]) == local), stun.candidate_priority("host", 65535))
        # RFC 8445 7.2.2: PRIORITY is that of a peer-reflexive candidate for the local candidate.
        priority = (110 << 24) | (local_priority & 0xFFFFFF)
        request = stun.check_request(transaction, self.ufrag, self.remote_ufrag, self.remote_pwd, priority,
                                     self.controlling, self.tie_breaker, use_candidate)
        try:
            for wait in self.retransmits:
                if self.closed:
                    return None
                self.send(local, remote, request)
                try:
                    return await asyncio.wait_for(asyncio.shield(future), wait)
                except asyncio.TimeoutError:
                    continue
            return None
        finally:
            self.pending.pop(transaction, None)

    async def _check(self, number, local, remote):
        answer = await self._transact(local, remote)
        if self.closed:
            return
        self.checks.append({"local": address(local), "remote": address(remote),
                            "result": "answered" if answer is not None else "no answer", "pair": number})
        if answer is not None and self.controlling and self.selected is None and self.state == "checking":
            # The first pair whose check succeeds is nominated.
            self.state = "nominating"
            log.info("%s: nominating %s -> %s", self.name, address(local), address(remote))
            if await self._transact(local, remote, use_candidate=True) is not None:
                self._select(local, remote)
            else:
                self._fail(f"nomination of {address(local)} -> {address(remote)} got no answer")

    def _select(self, local, remote):
        if self.selected is not None or self.closed:
            return
        self.selected = (local, remote)
        self.selected_at = self.clock()
        self.state = "connected"
        log.info("%s: ICE connected over %s -> %s", self.name, address(local), address(remote))
        self.tasks.append(asyncio.ensure_future(self._media()))

    def _fail(self, why):
        if self.state != "failed":
            self.state = "failed"
            log.warning("%s: ICE failed: %s", self.name, why)

    # datagrams ----------------------------------------------------------------------------------
    def owns(self, message, local, source):
        """Whether a datagram on a shared (single-port) socket is this agent's."""
        if message is None:
            return self.selected is not None and self.selected == (local, source)
        if message.kind == stun.BINDING_REQUEST:
            return (message.username or "").split(":", 1)[0] == self.ufrag
        return message.transaction in self.pending

    def datagram(self, data, local, source, message=None):
        message = message if message is not None else stun.parse(data)
        if message is None:
            if self.selected is not None and self.selected == (local, source):
                self.packets_received += 1
                self.bytes_received += len(data)
                self.received_meter.add(len(data))
            return
        if message.kind == stun.BINDING_REQUEST:
            self._request(message, local, source)
        elif message.kind in (stun.BINDING_SUCCESS, stun.BINDING_ERROR):
            future = self.pending.get(message.transaction)
            if future is None or future.done():
                return
            if message.kind == stun.BINDING_ERROR:
                log.warning("%s: check %s -> %s refused (error response)", self.name, address(local),
                            address(source))
                return
            if self.remote_pwd is None or not message.integrity_ok(self.remote_pwd) or not message.fingerprint_ok():
                log.warning("%s: answer from %s fails MESSAGE-INTEGRITY: ignored", self.name, address(source))
                return
            future.set_result(message)

    def _request(self, message, local, source):
        """Answer a check made to us (RFC 8445 7.3): integrity with our own password."""
        if (message.username or "").split(":", 1)[0] != self.ufrag or not message.integrity_ok(self.pwd) \
                or not message.fingerprint_ok():
            log.warning("%s: check from %s with a wrong USERNAME or MESSAGE-INTEGRITY: 401", self.name,
                        address(source))
            self.send(local, source, stun.unauthorized(message))
            return
        self.send(local, source, stun.check_response(message, source, self.pwd))
        if message.has(stun.USE_CANDIDATE) and not self.controlling:
            self._select(local, source)

    async def _media(self):
        sequence = 0
        while not self.closed:
            local, remote = self.selected
            sequence += 1
            payload = bytes([0x80, 0x60]) + sequence.to_bytes(2, "big") + os.urandom(MEDIA_SIZE - 4)
            self.send(local, remote, payload)
            self.packets_sent += 1
            self.bytes_sent += len(payload)
            self.sent_meter.add(len(payload))
            await asyncio.sleep(1 / MEDIA_RATE)

    # the rest -----------------------------------------------------------------------------------
    @property
    def setup_seconds(self):
        if self.selected_at is None or self.remote_at is None:
            return None
        return round(max(0.0, self.selected_at - self.remote_at), 3)

    def describe(self):
        return {"ufrag": self.ufrag, "pwd": self.pwd, "candidates": list(self.local_candidates)}

    def view(self):
        return {
            "state": self.state if self.state != "nominating" else "checking",
            "local_candidates": [address((c["ip"], c["port"])) for c in self.local_candidates],
            "remote_candidates": [address((c["ip"], c["port"])) for c in self.remote_candidates],
            "checks": [{k: c[k] for k in ("local", "remote", "result")}
                       for c in sorted(self.checks, key=lambda c: c["pair"])],
            "selected_pair": None if self.selected is None else {"local": address(self.selected[0]),
                                                                 "remote": address(self.selected[1])},
            "setup_seconds": self.setup_seconds,
            "packets_sent": self.packets_sent,
            "packets_received": self.packets_received,
        }

    def close(self):
        self.closed = True
        for task in self.tasks:
            task.cancel()
        for future in self.pending.values():
            if not future.done():
                future.cancel()


class UniquePorts:
    """ice4j's dynamic-port host harvester for one agent: a UDP socket on an ephemeral port per harvested
    address, read with the event loop."""

    def __init__(self, addresses):
        self.sockets = {}
        self.agent = None
        loop = asyncio.get_running_loop()
        for ip in addresses:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind((ip, 0))
            except OSError as exc:
                sock.close()
                log.info("cannot bind a relay socket on %s: %s", ip, exc)
                continue
            sock.setblocking(False)
            local = sock.getsockname()[:2]
            self.sockets[local] = sock
            loop.add_reader(sock.fileno(), self._readable, sock, local)

    @property
    def addresses(self):
        return list(self.sockets)

    def _readable(self, sock, local):
        for _ in range(64):
            try:
                data, source = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # an ICMP error reported on the socket: nothing to read
            if self.agent is not None:
                self.agent.datagram(data, local, source[:2])

    def send(self, local, remote, data):
        sock = self.sockets.get(local)
        if sock is None:
            return
        try:
            sock.sendto(data, remote)
        except OSError as exc:
            log.debug("send %s -> %s: %s", address(local), address(remote), exc)

    def close(self):
        loop = asyncio.get_event_loop()
        for sock in self.sockets.values():
            loop.remove_reader(sock.fileno())
            sock.close()
        self.sockets = {}


class SinglePort:
    """The single-port harvester's sockets (one per harvested address on videobridge.ice.udp.port),
    shared by every agent that does not use a unique port: a check goes to the agent whose ufrag is
    the first part of its USERNAME, an answer to the agent that waits for its transaction, media to the
    agent whose selected pair it came over. A Binding request without USERNAME gets a plain answer
    (what a STUN client probing the port gets); anything else counts as a media packet and is dropped."""

    def __init__(self, counters):
        self.counters = counters
        self.counters.setdefault("media_packets", 0)
        self.transports = {}  # (ip, port) -> asyncio transport
        self.agents = []

    def attach(self, local, transport):
        self.transports[local] = transport

    @property
    def addresses(self):
        return list(self.transports)

    def send(self, local, remote, data):
        transport = self.transports.get(local)
        if transport is not None:
            transport.sendto(data, remote)

    def received(self, data, local, source):
        self.counters["media_packets"] += 1
        message = stun.parse(data)
        for agent in self.agents:
            if agent.owns(message, local, source):
                agent.datagram(data, local, source, message)
                return
        if message is not None and message.username is None:
            answer = stun.binding_response(data, source)
            if answer:
                self.send(local, source, answer)


class SinglePortProtocol(asyncio.DatagramProtocol):
    def __init__(self, mux, local):
        self.mux = mux
        self.local = local

    def connection_made(self, transport):
        self.mux.attach(self.local, transport)

    def datagram_received(self, data, addr):
        self.mux.received(data, self.local, addr[:2])
