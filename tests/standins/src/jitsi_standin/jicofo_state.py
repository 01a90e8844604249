"""What Jicofo knows about its bridges, and what its REST API answers (pure, unit-tested).

Modelled on jicofo @7ebb13dc: jicofo-selector bridge/Bridge.kt, BridgeSelector.kt, JvbDoctor.java;
jicofo JicofoServices.kt (getStats, getDebugState), FocusManager.kt (stats), ktor/Application.kt.
"""

import time

from . import selection
from .health import Result


class Bridge:
    """Bridge.kt: state taken from the brewery presence stats, and the operational flag."""

    def __init__(self, jid, failure_reset_threshold, clock=time.monotonic, rampup=20, participant_stress=0.01):
        self.jid = jid
        self.rampup = rampup  # jicofo.bridge.participant-rampup-interval
        self.participant_stress = participant_stress  # jicofo.bridge.average-participant-stress
        self.recent_endpoints = []  # when this Jicofo put endpoints here (Bridge.newEndpointsRate)
        self.endpoints = 0  # Bridge.endpoints: this Jicofo's endpoints on the bridge
        self.clock = clock
        self.failure_reset_threshold = failure_reset_threshold
        self.stats = {}
        self.in_graceful_shutdown = False  # once true, stays true
        self.shutting_down = False  # once true, stays true
        self.draining = True  # until the presence says otherwise
        self.healthy = True
        self.version = self.release = self.region = self.relay_id = None
        self._operational = True
        self.failure_at = None
        self.last_presence = None
        self.last_check = None  # "passed" | "failed" | "timed out" (test-only view)

    def set_stats(self, stats):
        self.last_presence = self.clock()
        self.stats = dict(stats)
        if str(stats.get("graceful_shutdown")).lower() == "true":
            self.in_graceful_shutdown = True
        if str(stats.get("shutting_down")).lower() == "true":
            self.shutting_down = True
        if "drain" in stats:
            self.draining = str(stats["drain"]).lower() == "true"
        if "healthy" in stats:
            self.healthy = str(stats["healthy"]).lower() == "true"
        for key, attribute in (("version", "version"), ("release", "release"), ("region", "region"),
                               ("relay_id", "relay_id")):
            if key in stats:
                setattr(self, attribute, str(stats[key]))

    @property
    def operational(self):
        # Not operational until failure-reset-threshold has passed since the last failure.
        if self.failure_at is not None and self.clock() - self.failure_at < self.failure_reset_threshold:
            return False
        return self._operational

    @operational.setter
    def operational(self, value):
        self._operational = value
        if not value:
            self.failure_at = self.clock()

    @property
    def stress(self):
        return float(self.stats.get("stress_level", 0) or 0)

    @property
    def corrected_stress(self):
        """Bridge.correctedStress: the reported stress plus average-participant-stress (the bridge's own
        average_participant_stress when it reports one) for each endpoint added in the rampup interval."""
        now = self.clock()
        self.recent_endpoints = [t for t in self.recent_endpoints if now - t < self.rampup]
        per = self.stats.get("average_participant_stress")
        try:
            per = float(per) if per is not None else self.participant_stress
        except ValueError:
            per = self.participant_stress
        return self.stress + len(self.recent_endpoints) * per

    def endpoint_added(self):
        self.endpoints += 1
        self.recent_endpoints.append(self.clock())

    def endpoints_removed(self, count=1):
        self.endpoints = max(0, self.endpoints - count)

    def __repr__(self):
        return f"Bridge[jid={self.jid}, version={self.full_version}, relayId={self.relay_id}, region={self.region}]"

    @property
    def full_version(self):
        return f"{self.version}-{self.release}" if self.version and self.release else self.version

    def health_check(self, outcome):
        """JvbDoctor + BridgeSelector: a result passes, internal-server-error/service-unavailable fails,
        no answer (after the retry) times out; both failures make the bridge non-operational."""
        self.last_check = outcome
        if outcome == "passed":
            self.operational = True
        elif outcome in ("failed", "timed out"):
            self.operational = False

    def presence_health(self, presence_timeout):
        """HealthCheckPresenceTask (jicofo.bridge.health-checks.use-presence): judge by the presence."""
        if self.last_presence is None or self.clock() - self.last_presence > presence_timeout:
            return "timed out"
        return "passed" if self.healthy else "failed"

    def debug_state(self, stress_threshold=0.8):
        stress = self.stress
        return {
            "corrected-stress": self.corrected_stress, "drain": self.draining, "endpoints": self.endpoints, "endpoint-restart-requests": 0,
            "failing-ice": False, "graceful-shutdown": self.in_graceful_shutdown, "healthy": self.healthy,
            "operational": self.operational, "overloaded": self.corrected_stress >= stress_threshold, "region": str(self.region),
            "relay-id": str(self.relay_id), "release": str(self.release), "shutting-down": self.shutting_down,
            "stress": stress, "version": str(self.version),
        }


class JicofoState:
    def __init__(self, config, version, clock=time.monotonic):
        self.config = config
        self.version = version
        self.clock = clock
        self.connected = False
        self.bridges = {}  # occupant JID -> Bridge
        self.lost_bridges = 0
        self.focus = None  # the Focus session (xmpp.py), set by jicofo.py: its conferences are counted
        self.conferences_created = 0
        self.allocated = {}  # bridge JID -> [colibri2 conferences, endpoints] this Jicofo created there
        self.health = None  # a health.HealthChecker when jicofo.health.enabled, set by jicofo.py
        self._strategy = None

    def allocated_on(self, jid, conference=False):
        """A colibri2 conference (or endpoint) this Jicofo created on a bridge, for stats()."""
        counts = self.allocated.setdefault(jid, [0, 0])
        counts[0 if conference else 1] += 1

    def conference_created(self):
        """FocusManager.createConference: ConferenceMetrics.conferencesCreated."""
        self.conferences_created += 1

    # BridgeSelector.kt ---------------------------------------------------------------------------
    def update_bridge(self, jid, stats):
        """addJvbAddress(); returns True when the bridge is new."""
        bridge = self.bridges.get(jid)
        if bridge is None:
            bridge = self.bridges[jid] = Bridge(jid, self.config.failure_reset_threshold, self.clock,
                                                self.config.participant_rampup_interval,
                                                self.config.average_participant_stress)
            bridge.set_stats(stats)
            return True
        bridge.set_stats(stats)
        return False

    def remove_bridge(self, jid):
        """removeJvbAddress(): a bridge that leaves without announcing a shutdown is 'lost'."""
        bridge = self.bridges.pop(jid, None)
        if bridge and not bridge.in_graceful_shutdown and not bridge.shutting_down:
            self.lost_bridges += 1

    def select_bridge(self, conference_bridges, region, version=None):
        """BridgeSelector.selectBridge over the known bridges (selection.py)."""
        if self._strategy is None:
            self._strategy = selection.strategy(self.config)
        return selection.select_bridge(list(self.bridges.values()), conference_bridges, region, self.config,
                                       version, self._strategy)

    @property
    def operational_bridge_count(self):
        """What the health check counts: operational and not in graceful shutdown."""
        return sum(1 for b in self.bridges.values() if b.operational and not b.in_graceful_shutdown)

    def selector_stats(self):
        bridges = self.bridges.values()
        return {
            "bridge_count": len(self.bridges),
            # updateMetrics(): operational_bridge_count counts every operational bridge, also those
            # in graceful shutdown (which in_shutdown_bridge_count counts).
            "operational_bridge_count": sum(1 for b in bridges if b.operational),
            "in_shutdown_bridge_count": sum(1 for b in bridges if b.in_graceful_shutdown),
            "lost_bridges": self.lost_bridges,
            "bridge_version_count": len({b.full_version for b in bridges}),
        }

    # JicofoHealthChecker.kt check(), the part that needs no XMPP ----------------------------------
    def no_bridge_result(self):
        if self.operational_bridge_count <= 0:
            return Result(False, True,
                          f"No operational bridges available (total bridge count: {len(self.bridges)})")
        return None

    # REST ----------------------------------------------------------------------------------------
    def stats(self):
        """JicofoServices.getStats(): FocusManager's stats at the top level, the selector nested.

        Conferences opened through the focus protocol are counted as upstream counts them
        (ConferenceMetrics.conferenceCount, conferencesCreated, currentParticipants); the synthetic
        conferences the bridges open under /test/ are added to them. A bridge's numbers also count the
        colibri2 conferences and endpoints this Jicofo holds there: those are taken out, so nothing is
        counted twice (the bridge reports every presence-interval, so the difference can lag that long).
        """
        conferences = list(self.focus.conferences.values()) if self.focus else []
        held = {}  # bridge JID -> [conferences, endpoints, conferences created, endpoints created] of ours
        for conference in conferences:
            for jid, counts in conference.bridge_counts().items():
                mine = held.setdefault(jid, [0, 0, 0, 0])
                mine[0] += 1
                mine[1] += counts
        for jid, (created, endpoints) in self.allocated.items():
            mine = held.setdefault(jid, [0, 0, 0, 0])
            mine[2], mine[3] = created, endpoints

        def total(key, index):
            return sum(max(0, int(b.stats.get(key, 0) or 0) - held.get(jid, [0, 0, 0, 0])[index])
                       for jid, b in self.bridges.items())

        reported = [b.stats for b in self.bridges.values()]
        stats = {
            "conferences": total("conferences", 0) + len(conferences),
            "participants": total("participants", 1) + sum(len(c.members) for c in conferences),
            "total_conferences_created": total("total_conferences_created", 2) + self.conferences_created,
            "total_participants": total("total_participants", 3),
            "largest_conference": max((int(s.get("largest_conference", 0) or 0) for s in reported), default=0),
            "bridge_selector": self.selector_stats(),
            "version": self.version,
        }
        if self.health:
            result = self.health.result
            stats.update(slow_health_check=self.health.slow_checks, healthy=result.success,
                         health=result.as_json())
        return stats

    def debug(self):
        """JicofoServices.getDebugState(): the bridge selector's view of every bridge."""
        strategy = self.config.selection_strategy.rsplit(".", 1)[-1]
        return {
            "focus_manager": {},
            "bridge_selector": {"strategy": strategy,
                                "bridge": {jid: b.debug_state(self.config.stress_threshold)
                                           for jid, b in sorted(self.bridges.items())}},
            "jibri_detector": None, "sip_jibri_detector": None, "jigasi_detector": None,
        }

    def test_state(self):
        return {
            "xmpp_connected": self.connected,
            "octo_enabled": self.config.octo_enabled,
            "health": {**self.health.result.as_json(), "checks": self.health.checks} if self.health else None,
            "bridges": {jid: {"stats": b.stats, "operational": b.operational, "health_check": b.last_check}
                        for jid, b in sorted(self.bridges.items())},
            "conferences": {room: c.test_state() for room, c in sorted(self.focus.conferences.items())}
            if self.focus else {},
        }

    def handle(self, method, path, body):
        """ktor/Application.kt: /about/health exists only with a health checker (jicofo.health.enabled)."""
        path = path.split("?", 1)[0].rstrip("/") or "/"
        routes = {"/about/version": lambda: (200, {"name": "Jicofo", "version": self.version, "os": "Linux"}),
                  "/stats": lambda: (200, self.stats()),
                  "/test/state": lambda: (200, self.test_state())}
        if self.health:
            routes["/about/health"] = self._health
        if self.config.debug_enabled:
            routes["/debug"] = lambda: (200, self.debug())
        if path not in routes:
            return 404, {"error": f"no route {method} {path}"}
        if method != "GET":
            return 405, {"error": f"{method} not allowed on {path}"}
        return routes[path]()

    def _health(self):
        result = self.health.result
        return result.http_status(), "OK" if result.success else (result.message or "Unknown error.")
