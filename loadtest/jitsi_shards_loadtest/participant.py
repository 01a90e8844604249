"""One synthetic participant: join through a front, stay active, reconnect once, leave."""

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field

from .client import MeetClient
from .stats import classify_error

UNREACHABLE = ("refused", "timeout", "reset", "network")
LOST = ("closed", "reset")  # the front ended the connection (a stopping HAProxy does)


def fails_over(phase, kind, fronts):
    """Whether a failed join goes to the next front once, as a browser's does: the front could
    not be reached, or it dropped the connection part-way through the join (lib-jitsi-meet
    connects again). An answer (HTTP, XMPP error) or a slow server is the cluster's verdict."""
    return fronts > 1 and ((phase == "connect" and kind in UNREACHABLE) or kind in LOST)


@dataclass
class Settings:
    domain: str
    fronts: list  # [(host, port)]
    ssl_context: object
    timeout: float = 15.0
    presence_every: float = 30.0  # seconds between presence updates per participant; 0: none
    chat_every: float = 60.0
    ping_every: float = 10.0  # lib-jitsi-meet's keepalive interval
    region: str = None


@dataclass
class Recorder:
    """Everything the run observed, as plain records the report and the statistics read."""
    origin: float
    step: int = 0
    joins: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    events: list = field(default_factory=list)  # (t, shard, +1 joined / -1 left or dropped)
    room_shards: dict = field(default_factory=dict)
    reconnects: int = 0
    failovers: int = 0
    settled: int = 0  # participants whose first join attempt has finished, either way

    def now(self):
        return round(time.monotonic() - self.origin, 3)

    def error(self, phase, exc):
        self.errors.append({"t": self.now(), "step": self.step, "phase": phase, "kind": classify_error(exc),
                            "detail": str(exc)[:200]})


class Participant:
    def __init__(self, index, room, settings, recorder, front=None):
        self.index, self.room, self.settings, self.recorder = index, room, settings, recorder
        self.nick = uuid.uuid4().hex[:8]  # jitsi-meet's endpoint id is its MUC resource
        self.display = f"load-{index}"
        # The front it tries first (spread over the fronts; default: in turn).
        self.front = (index if front is None else front) % len(settings.fronts)

    async def attempt(self, reconnect):
        """Connect, log in, ask focus, join; a joined client or None (the error is recorded)."""
        s, r = self.settings, self.recorder
        host, port = s.fronts[self.front]
        client = MeetClient(host, s.domain, self.room, port=port, timeout=s.timeout, ssl_context=s.ssl_context)
        started, phase = time.monotonic(), "connect"
        try:
            await client.connect()
            r.room_shards.setdefault(self.room, set()).add(client.shard)
            phase = "auth"
            await client.login()
            phase = "focus"
            await client.conference_request()
            phase = "muc"
            await client.join(self.nick, self.display, s.region)
        except Exception as exc:  # every failure is a measurement, counted by kind
            await client.close()
            return exc, phase
        client.forget()
        r.joins.append({"t": r.now(), "step": r.step, "room": self.room, "front": f"{host}:{port}",
                        "shard": client.shard, "reconnect": reconnect,
                        "total": time.monotonic() - started, **client.timings})
        r.events.append((r.now(), client.shard, 1))
        return client, phase

    async def join(self, reconnect=False):
        """One join; a front that cannot be reached, or that drops the join part-way, sends it to
        the next front once (as DNS round robin makes a browser do), counted as a failover
        rather than an error (fails_over)."""
        client, phase = await self.attempt(reconnect)
        if isinstance(client, Exception) and fails_over(phase, classify_error(client), len(self.settings.fronts)):
            self.recorder.failovers += 1
            self.front = (self.front + 1) % len(self.settings.fronts)
            client, phase = await self.attempt(reconnect)
        if isinstance(client, Exception):
            self.recorder.error(phase, client)
            return None
        return client

    async def live(self, stop):
        client = await self.join()
        self.recorder.settled += 1
        reconnected = False
        while client is not None:
            dropped = await self.active(client, stop)
            self.recorder.events.append((self.recorder.now(), client.shard, -1))
            if not dropped:
                await client.leave()
                return
            await client.close()
            if reconnected:
                self.recorder.error("active", ConnectionError("dropped again after a reconnect"))
                return
            reconnected = True
            self.recorder.reconnects += 1
            self.front = (self.front + 1) % len(self.settings.fronts)
            client = await self.join(reconnect=True)

    async def active(self, client, stop):
        """Presence updates, chat and pings at their rates until stop (False) or a drop (True)."""
        s = self.settings
        actions = [(every, act) for every, act in ((s.presence_every, client.toggle_audio),
                                                   (s.chat_every, lambda: client.chat(f"hello from {self.display}")),
                                                   (s.ping_every, client.ping)) if every > 0]
        # Random first offsets: thousands of participants must not act in lockstep.
        due = [time.monotonic() + random.uniform(0, every) for every, _ in actions]
        while True:
            wait = max(0.0, min(due) - time.monotonic()) if due else None
            if await first_of(stop, client.ended, wait) is not None:
                return client.ended.is_set() and not stop.is_set()
            for i, (every, act) in enumerate(actions):
                if due[i] <= time.monotonic():
                    try:
                        act()
                    except (ConnectionError, RuntimeError):
                        pass  # the reader notices the end of the stream
                    due[i] += every


async def first_of(stop, ended, timeout):
    """Wait until either event is set (returns it) or the timeout passes (returns None)."""
    waiters = {asyncio.ensure_future(stop.wait()): stop, asyncio.ensure_future(ended.wait()): ended}
    done, pending = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return waiters[next(iter(done))] if done else None
