"""The bridge's conferences, drain and shutdown state, and what its REST API answers.

Pure (no I/O but the state file) so the handlers are unit-tested without XMPP or sockets.
Synthetic conferences stand in for real ones: they end by themselves after their duration;
any still running when the service stops are counted as interrupted in the state file, which
is how the tests prove a rolling upgrade dropped no call.
"""

import json
import os
import time


class BridgeState:
    def __init__(self, config, version, state_file, clock=time.monotonic):
        self.config = config
        self.version = version
        self.state_file = state_file
        self.clock = clock
        self.registered = {}
        self.drain = False
        self.graceful_shutdown = False
        self.conferences = []  # [{"id", "participants", "ends"}]
        self.counters = self._read_counters()
        self.packets = {}  # media/octo packet counts, filled by media.serve

    # persistence -------------------------------------------------------------------------
    def _read_counters(self):
        try:
            with open(self.state_file, encoding="utf-8") as handle:
                data = json.load(handle)
        except (FileNotFoundError, ValueError):
            data = {}
        return {key: int(data.get(key, 0)) for key in ("opened", "completed", "interrupted")}

    def _write_counters(self):
        tmp = f"{self.state_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(self.counters, handle)
        os.replace(tmp, self.state_file)

    # lifecycle ---------------------------------------------------------------------------
    def tick(self):
        """End the conferences whose time is up; True when a graceful shutdown may exit now."""
        now = self.clock()
        done = [c for c in self.conferences if c["ends"] <= now]
        if done:
            self.conferences = [c for c in self.conferences if c["ends"] > now]
            self.counters["completed"] += len(done)
            self._write_counters()
        return self.graceful_shutdown and not self.conferences

    def stop(self):
        """The service is stopping: whatever is still live is cut off."""
        if self.conferences:
            self.counters["interrupted"] += len(self.conferences)
            self.conferences = []
            self._write_counters()

    def set_registered(self, name, value):
        self.registered[name] = value

    @property
    def healthy(self):
        return bool(self.registered) and all(self.registered.values())

    # REST ---------------------------------------------------------------------------------
    def stats(self):
        return {
            "conferences": len(self.conferences),
            "participants": sum(c["participants"] for c in self.conferences),
            "graceful_shutdown": self.graceful_shutdown,
            "drain": self.drain,
            "version": self.version,
            "region": self.config.region,
            "relay_id": self.config.relay_id,
            "shard": self.config.shard,
            "registered": dict(self.registered),
            "conferences_completed": self.counters["completed"],
            "conferences_interrupted": self.counters["interrupted"],
            **self.packets,
        }

    def open_conferences(self, count, duration, participants=2):
        if self.drain or self.graceful_shutdown:
            return 409, {"error": "bridge is draining or shutting down: no new conferences"}
        if count < 1 or duration <= 0:
            return 400, {"error": "count must be >= 1 and duration > 0"}
        ends = self.clock() + duration
        start = self.counters["opened"]
        for number in range(count):
            self.conferences.append({"id": f"c{start + number}", "participants": participants, "ends": ends})
        self.counters["opened"] += count
        self._write_counters()
        return 200, {"opened": count, "conferences": len(self.conferences)}

    def handle(self, method, path, body):
        """Route one REST request; returns (status, json-able body)."""
        route = (method, path.split("?", 1)[0].rstrip("/") or "/")
        if route == ("GET", "/about/health"):
            if self.healthy:
                return 200, {}
            missing = sorted(name for name, ok in self.registered.items() if not ok) or ["xmpp"]
            return 500, {"error": f"not registered: {', '.join(missing)}"}
        if route == ("GET", "/about/version"):
            return 200, {"name": "JVB", "version": self.version, "os": "Linux"}
        if route == ("GET", "/colibri/stats"):
            return 200, self.stats()
        if route == ("POST", "/colibri/drain/enable"):
            self.drain = True
            return 200, {"drain": True}
        if route == ("POST", "/colibri/drain/disable"):
            self.drain = False
            return 200, {"drain": False}
        if route == ("POST", "/colibri/shutdown"):
            if not _truthy(body.get("graceful-shutdown")):
                return 400, {"error": 'expected {"graceful-shutdown": "true"}'}
            self.graceful_shutdown = True
            return 200, {"graceful_shutdown": True}
        if route == ("POST", "/test/conferences"):
            try:
                count = int(body.get("count", 1))
                duration = float(body["duration"])
                participants = int(body.get("participants", 2))
            except (KeyError, TypeError, ValueError):
                return 400, {"error": 'expected {"count": N, "duration": seconds}'}
            return self.open_conferences(count, duration, participants)
        return 404, {"error": f"no route {route[0]} {route[1]}"}


def _truthy(value):
    return value is True or str(value).lower() == "true"
