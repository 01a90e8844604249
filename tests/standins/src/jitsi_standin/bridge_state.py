"""The bridge's conferences, drain and shutdown state, and what its REST API answers.

Pure (no I/O but the state file), so the handlers are unit-tested without XMPP or sockets.
Two kinds of conferences are counted together in the upstream-shaped /colibri/stats: the real
Colibri2 conferences Jicofo allocates (colibri.py; their endpoints carry no media, their relays run ICE
and dummy media) and synthetic ones opened with POST /test/conferences, which stand in for load: they
end by themselves after their duration, they alone make the packet-rate stress, and any still running
when the service stops are counted as interrupted in the state file, which is how the tests prove a
rolling upgrade dropped no call. Those counters are test-only and served on /test/state, never in
/colibri/stats.
"""

import json
import os
import time

from .colibri import Colibri, Harvest
from .config import ConfigError
from .health import Result
from .load import LoadManager

RUNNING, GRACEFUL_SHUTDOWN, SHUTTING_DOWN = "RUNNING", "GRACEFUL_SHUTDOWN", "SHUTTING_DOWN"


class BridgeState:
    def __init__(self, config, version, state_file, clock=time.monotonic, wall=time.time):
        self.config = config
        self.version = version
        self.state_file = state_file
        self.clock = clock
        self.wall = wall
        self.registered = {login.name: False for login in config.logins}
        self.drain = config.initial_drain
        self.shutdown_state = RUNNING
        self.shutdown_at = None  # monotonic time at which the process exits
        self.graceful_deadline = None
        self.conferences = []  # [{"id", "participants", "ends"}]
        self.created = self.completed = self.total_participants = 0
        self.counters = self._read_counters()
        self.media = {"media_packets": 0}  # counted by the single-port sockets (relay.SinglePort)
        self.candidates = []
        from .relay import SinglePort

        self.mux = SinglePort(self.media)
        self.harvest = Harvest(self.mux)  # bridge.py sets the addresses and mappings once bound
        self.colibri = Colibri(config, self.harvest, lambda: self.shutdown_state != RUNNING)
        self.health = None  # a health.HealthChecker, set by bridge.py
        self.load = LoadManager(config.load_measurement, config.load_threshold, clock)

    # persistence (test-only counters) ---------------------------------------------------------
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

    # lifecycle ---------------------------------------------------------------------------------
    @property
    def synthetic_participants(self):
        return sum(c["participants"] for c in self.conferences)

    @property
    def participants(self):
        """Every local endpoint: synthetic participants and Jicofo's colibri2 endpoints (ShutdownManager
        waits for these to drop to graceful-shutdown-min-participants)."""
        return self.synthetic_participants + self.colibri.endpoint_count

    def tick(self):
        """End the conferences whose time is up; True when the bridge should exit now."""
        now = self.clock()
        done = [c for c in self.conferences if c["ends"] <= now]
        if done:
            self.conferences = [c for c in self.conferences if c["ends"] > now]
            self.completed += len(done)
            self.counters["completed"] += len(done)
            self._write_counters()
        self.load.maybe_sample(self.conferences)
        if self.shutdown_state == GRACEFUL_SHUTDOWN and now >= self.graceful_deadline:
            self._shutting_down()
        self._maybe_shutdown()
        return self.shutdown_at is not None and now >= self.shutdown_at

    def stop(self):
        """The service is stopping: whatever is still live is cut off (the interrupted counter is about
        the synthetic conferences only)."""
        self.colibri.stop()
        if self.conferences:
            self.counters["interrupted"] += len(self.conferences)
            self.conferences = []
            self._write_counters()

    # jvb shutdown/ShutdownManager.kt @a29d97d1: GRACEFUL_SHUTDOWN until the participants drop to
    # graceful-shutdown-min-participants (or graceful-shutdown-max-duration passes), then
    # SHUTTING_DOWN for shutting-down-delay, then exit.
    def shutdown(self, graceful):
        if not graceful:
            self._shutting_down()
        elif self.shutdown_state == RUNNING:
            self.shutdown_state = GRACEFUL_SHUTDOWN
            self.graceful_deadline = self.clock() + self.config.graceful_shutdown_max_duration
        self._maybe_shutdown()

    def _maybe_shutdown(self):
        if self.shutdown_state == GRACEFUL_SHUTDOWN \
                and self.participants <= self.config.graceful_shutdown_min_participants:
            self._shutting_down()

    def _shutting_down(self):
        if self.shutdown_state != SHUTTING_DOWN:
            self.shutdown_state = SHUTTING_DOWN
            self.shutdown_at = self.clock() + self.config.shutting_down_delay

    def set_registered(self, name, value):
        self.registered[name] = value

    @property
    def health_result(self):
        return self.health.result if self.health else Result()

    # stats -------------------------------------------------------------------------------------
    def stats(self):
        """Upstream's names (jvb stats/VideobridgeStatisticsShim.kt @a29d97d1), for what the stand-in has."""
        colibri = self.colibri
        sizes = [c["participants"] for c in self.conferences] + [len(c.endpoints) for c in colibri.conferences.values()]
        stats = {
            "conferences": len(self.conferences) + len(colibri.conferences),
            "participants": self.participants,
            "endpoints": self.participants,
            "local_endpoints": self.participants,
            "largest_conference": max(sizes, default=0),
            "total_conferences_created": self.created + colibri.created,
            "total_conferences_completed": self.completed + colibri.completed,
            "total_participants": self.total_participants + colibri.endpoints_created,
            "stress_level": self.load.stress,
            "average_participant_stress": 0.01,
            "graceful_shutdown": self.shutdown_state != RUNNING,
            "shutting_down": self.shutdown_state == SHUTTING_DOWN,
            "drain": self.drain,
            "current_timestamp": time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime(self.wall())),
            "muc_clients_configured": len(self.config.logins),
            "muc_clients_connected": sum(self.registered.values()),
            "healthy": self.health_result.success,
            "version": self.version,
        }
        stats.update(colibri.stats())
        if self.config.relay_enabled:
            # RelayConfig.relayId has no default: reading it without a value is a config error
            # (upstream: /colibri/stats fails and the bridge's presence carries no stats).
            if self.config.relay_id is None:
                raise ConfigError("videobridge.relay.relay-id: relays are enabled but no relay-id is set "
                                  "(videobridge.octo.relay-id, videobridge.relay.relay-id, videobridge.octo.bind-address)")
            stats["relay_id"] = self.config.relay_id
        if self.config.region is not None:
            stats["region"] = self.config.region
        return stats

    def presence_stats(self):
        """What MucPublisher.kt puts in the brewery presence: all stats, or the whitelist when filtered."""
        stats = self.stats()
        if self.config.stats_whitelist is not None:
            stats = {k: v for k, v in stats.items() if k in self.config.stats_whitelist}
        return stats

    def test_state(self):
        return {
            **self.counters,
            "registered": dict(self.registered),
            **self.media,
            "candidates": self.candidates,
            "health": {**self.health_result.as_json(), "checks": self.health.checks if self.health else 0},
            "shutdown_state": self.shutdown_state,
            **self.colibri.test_state(),
        }

    # test-only conferences -----------------------------------------------------------------------
    def open_conferences(self, count, duration, participants=2):
        # Stands for Jicofo allocating conferences here: it selects no bridge that drains or shuts
        # down (the bridge itself refuses new conferences only in graceful shutdown, Videobridge.java).
        if self.drain or self.shutdown_state != RUNNING:
            return 409, {"error": "bridge is draining or shutting down: no new conferences"}
        if count < 1 or duration <= 0 or participants < 1:
            return 400, {"error": "count and participants must be >= 1 and duration > 0"}
        ends = self.clock() + duration
        start = self.counters["opened"]
        for number in range(count):
            self.conferences.append({"id": f"c{start + number}", "participants": participants, "ends": ends})
        self.created += count
        self.total_participants += count * participants
        self.counters["opened"] += count
        self._write_counters()
        return 200, {"opened": count, "conferences": len(self.conferences), "candidates": self.candidates}

    # REST ----------------------------------------------------------------------------------------
    def handle(self, method, path, body):
        """Route one request like jvb rest/root/Application.java + ConfigFilter (@EnabledByConfig):
        a disabled API answers 404. Returns (status, JSON-able body or text)."""
        path = path.split("?", 1)[0].rstrip("/") or "/"
        routes = {
            "/about/health": ("HEALTH", {"GET": self._health}),
            "/about/version": ("VERSION", {"GET": lambda _b: (200, {"name": "JVB", "version": self.version,
                                                                   "os": "Linux"})}),
            "/colibri/stats": ("COLIBRI", {"GET": self._stats}),
            "/colibri/drain": ("DRAIN", {"GET": lambda _b: (200, {"drain": self.drain})}),
            "/colibri/drain/enable": ("DRAIN", {"POST": lambda _b: self._set_drain(True)}),
            "/colibri/drain/disable": ("DRAIN", {"POST": lambda _b: self._set_drain(False)}),
            "/colibri/shutdown": ("SHUTDOWN", {"POST": self._shutdown}),
            "/test/state": (None, {"GET": lambda _b: (200, self.test_state())}),
            "/test/conferences": (None, {"POST": self._test_conferences}),
        }
        api, methods = routes.get(path, (None, None))
        if methods is None or (api and not self.config.apis.get(api)):
            return 404, {"error": f"no route {method} {path}"}
        if method not in methods:
            return 405, {"error": f"{method} not allowed on {path}"}
        return methods[method](body)

    def _health(self, _body):
        result = self.health_result
        return result.http_status(), "" if result.success else result.message

    def _stats(self, _body):
        try:
            return 200, self.stats()
        except ConfigError as exc:
            return 500, {"error": str(exc)}

    def _set_drain(self, enable):
        self.drain = enable
        return 200, ""

    def _shutdown(self, body):
        # Shutdown.java: {"graceful-shutdown": <Boolean>} is required; Jackson also takes "true"/"false".
        value = body.get("graceful-shutdown")
        if value not in (True, False, "true", "false"):
            return 400, {"error": 'expected {"graceful-shutdown": true|false}'}
        self.shutdown(value in (True, "true"))
        return 200, ""

    def _test_conferences(self, body):
        try:
            count = int(body.get("count", 1))
            duration = float(body["duration"])
            participants = int(body.get("participants", 2))
        except (KeyError, TypeError, ValueError):
            return 400, {"error": 'expected {"count": N, "duration": seconds, "participants": N}'}
        return self.open_conferences(count, duration, participants)
