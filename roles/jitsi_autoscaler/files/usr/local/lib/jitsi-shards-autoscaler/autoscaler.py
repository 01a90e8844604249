"""One shard's autoscaler: observe the bridges, decide (decide.py), act through the provider, and
remember the action in progress across restarts. No sockets here: the service (service.py) hands
in how to fetch a bridge's stats, ask for its graceful shutdown and read the shard's state, so
tests/unit/test_autoscaler_service.py drives it with fakes.
"""

import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor

import decide
from providers import ProviderError

log = logging.getLogger("jitsi-shards-autoscaler")


def classify(stats, action, host):
    """A bridge's state from its /colibri/stats (None: no answer) and the action in progress.

    jvb's stats (VideobridgeStatisticsShim.kt): graceful_shutdown / shutting_down once a shutdown
    was asked for, muc_clients_connected once it logged in to the brewery's Prosody.
    """
    ours = action is not None and action["bridge"] == host
    if stats is None:
        if ours:
            # Started and still booting, or exited after its graceful shutdown (provider next).
            return decide.STARTING if action["kind"] == decide.UP else decide.STOPPING
        return decide.DOWN
    if stats.get("graceful_shutdown") or stats.get("shutting_down"):
        return decide.STOPPING
    if int(stats.get("muc_clients_connected", 0) or 0) < 1:
        # Up but not in the brewery: Jicofo cannot use it. Booting when we started it; otherwise
        # neither capacity nor a standby slot (its operator must look at it).
        return decide.STARTING if ours else "unavailable"
    return decide.RUNNING


class Autoscaler:
    def __init__(self, config, provider, fetch, shutdown, shard_state, clock, wall):
        self.config = config
        self.provider = provider
        self.fetch = fetch  # bridge -> /colibri/stats dict, or None
        self.shutdown = shutdown  # bridge -> None; raises OSError when the bridge refuses
        self.shard_state = shard_state  # () -> "ready" | "drain" | None (unknown)
        self.clock = clock
        self.wall = wall
        self.settings = {k: config[k] for k in ("min", "max", "high", "low", "periods", "cooldown")}
        self.memory = decide.new_memory()
        self.action = None  # {kind, bridge, since (monotonic), reason}
        self.counters = {"up_done": 0, "up_failed": 0, "down_done": 0, "down_failed": 0}
        self.decisions = {decide.UP: 0, decide.DOWN_ACTION: 0, decide.HOLD: 0}
        self.last = None  # {kind, bridge, reason, result, at (wall)}
        self.view = {"bridges": [], "drained": False, "shard_state": None, "average_stress": 0.0}
        self._load()

    # persistence: an action in progress survives a restart of the service ------------------------
    def _load(self):
        try:
            with open(self.config["state_file"], encoding="utf-8") as handle:
                saved = json.load(handle)
        except (FileNotFoundError, ValueError):
            return
        offset = self.clock() - self.wall()  # wall-clock times back to this process's monotonic clock
        if saved.get("action"):
            self.action = dict(saved["action"], since=saved["action"]["since"] + offset)
        self.memory["cooldown_until"] = saved.get("cooldown_until", 0.0) + offset
        self.counters.update(saved.get("counters", {}))
        self.last = saved.get("last")

    def _save(self):
        offset = self.wall() - self.clock()
        saved = {"action": dict(self.action, since=self.action["since"] + offset) if self.action else None,
                 "cooldown_until": self.memory["cooldown_until"] + offset, "counters": self.counters,
                 "last": self.last}
        tmp = self.config["state_file"] + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(saved, handle)
        os.replace(tmp, self.config["state_file"])

    # one interval ---------------------------------------------------------------------------------
    def observe(self):
        # All at once: a powered-off host costs its timeout, not the others' time.
        with ThreadPoolExecutor(max_workers=min(16, len(self.config["bridges"]))) as pool:
            answers = list(pool.map(self.fetch, self.config["bridges"]))
        bridges = []
        for bridge, stats in zip(self.config["bridges"], answers):
            state = classify(stats, self.action, bridge["host"])
            bridges.append({"host": bridge["host"], "slot": bridge["slot"], "state": state, "answered": stats is not None,
                            "stress": float((stats or {}).get("stress_level", 0.0) or 0.0),
                            "conferences": int((stats or {}).get("conferences", 0) or 0),
                            "participants": int((stats or {}).get("participants", 0) or 0)})
        return bridges

    def _finish(self, result, now, detail):
        kind, host = self.action["kind"], self.action["bridge"]
        self.counters[f"{kind}_{result}"] += 1
        took = now - self.action["since"]
        self.last = {"kind": kind, "bridge": host, "reason": self.action["reason"], "result": result,
                     "detail": detail, "took": round(took, 1), "at": self.wall()}
        log.info("action %s", json.dumps({"action": kind, "bridge": host, "result": result, "took_s": round(took, 1),
                                          "detail": detail}))
        self.action = None
        self.memory = dict(self.memory, above=0, below=0, cooldown_until=now + self.config["cooldown"])
        self._save()

    def _bridge(self, host):
        return next(b for b in self.config["bridges"] if b["host"] == host)

    def _follow(self, bridges, now):
        """Progress of the action in progress: a start ends when the bridge joined, a scale-down when
        the bridge has exited and its host was handed to the provider."""
        seen = next(b for b in bridges if b["host"] == self.action["bridge"])
        bridge = self._bridge(self.action["bridge"])
        if self.action["kind"] == decide.UP:
            if seen["state"] == decide.RUNNING:
                self._finish("done", now, "joined the brewery")
            elif now - self.action["since"] > self.config["start_timeout"]:
                detail = f"not joined after {self.config['start_timeout']} s"
                try:
                    self.provider.stop(bridge)
                except ProviderError as exc:
                    detail += f"; stopping it failed too: {exc}"
                self._finish("failed", now, detail)
        elif not seen["answered"]:
            try:
                self.provider.stop(bridge)
            except ProviderError as exc:
                self._finish("failed", now, f"exited, but the provider could not stop its host: {exc}")
            else:
                self._finish("done", now, "finished its conferences and exited; host stopped")

    def step(self):
        now = self.clock()
        bridges = self.observe()
        if self.action:
            self._follow(bridges, now)
            bridges = self.observe() if self.action is None else bridges
        state = self.shard_state()
        # Unknown counts as drained: never scale down a shard whose state cannot be read.
        drained = state != "ready"
        decision, self.memory = decide.decide(self.settings, bridges, self.memory, now, drained)
        decision["inputs"]["shard_state"] = state or "unknown"
        self.decisions[decision["action"]] += 1
        self.view = {"bridges": bridges, "drained": drained, "shard_state": state,
                     "average_stress": decision["inputs"]["average_stress"]}
        log.info("decision %s", json.dumps(decision, sort_keys=True))
        if decision["action"] != decide.HOLD:
            self._act(decision, now)
        return decision

    def _act(self, decision, now):
        kind, bridge = decision["action"], self._bridge(decision["bridge"])
        self.action = {"kind": kind, "bridge": bridge["host"], "since": now, "reason": decision["reason"]}
        try:
            if kind == decide.UP:
                self.provider.start(bridge)
            else:
                # jvb rest/root/colibri/shutdown: no new conferences, exit when the last one ends.
                self.shutdown(bridge)
        except (ProviderError, OSError) as exc:
            self._finish("failed", now, f"{'start' if kind == decide.UP else 'graceful shutdown'} failed: {exc}")
            return
        self._save()
