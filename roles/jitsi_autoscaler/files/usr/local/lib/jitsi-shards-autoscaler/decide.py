"""The autoscaler's decision for one interval: scale up, scale down or hold, and why (pure, no I/O).

Unit-tested in tests/unit/test_autoscaler_decide.py. The service (service.py) observes the bridges
and carries `memory` from one interval to the next; this module only decides.

Bridge states, as the service observes them:
- running:  answers /colibri/stats, joined the brewery, not shutting down: it counts and takes load;
- starting: started by the autoscaler, not joined yet;
- stopping: in graceful shutdown (or exited, its host not yet handed to the provider);
- down:     does not answer: a standby slot the provider can start.
"""

RUNNING, STARTING, STOPPING, DOWN = "running", "starting", "stopping", "down"
UP, DOWN_ACTION, HOLD = "up", "down", "hold"


def new_memory():
    """What the decision carries between intervals: how long the stress has been outside the band,
    and until when the autoscaler rests after its last action (a monotonic time)."""
    return {"above": 0, "below": 0, "cooldown_until": 0.0}


def _least_loaded(running):
    """The bridge to shut down: fewest participants, then lowest stress, then the highest slot.
    Never the last bridge with conferences (it would leave every conference of the shard on a
    bridge that is going away)."""
    with_conferences = [b for b in running if b.get("conferences", 0) > 0]
    candidates = [b for b in running if not (b.get("conferences", 0) > 0 and len(with_conferences) == 1)]
    candidates.sort(key=lambda b: (b.get("participants", 0), b.get("stress", 0.0), -b["slot"]))
    return candidates[0] if candidates else None


def _first_standby(down):
    return sorted(down, key=lambda b: b["slot"])[0] if down else None


def decide(settings, bridges, memory, now, drained=False):
    """(decision, memory) for this interval.

    settings: min, max, high, low, periods, cooldown. bridges: [{host, slot, state, stress,
    conferences, participants}]. memory: from new_memory() or the previous call. now: monotonic
    seconds. drained: the shard is drained (front-drain.yml, rolling upgrade): never scaled down.
    decision: {action: up|down|hold, bridge: host or None, reason, inputs}.
    """
    running = [b for b in bridges if b["state"] == RUNNING]
    down = [b for b in bridges if b["state"] == DOWN]
    busy = [b for b in bridges if b["state"] in (STARTING, STOPPING)]
    stress = [float(b.get("stress", 0.0)) for b in running]
    average = sum(stress) / len(stress) if stress else 0.0
    above = memory["above"] + 1 if running and average > settings["high"] else 0
    below = memory["below"] + 1 if running and average < settings["low"] else 0
    memory = dict(memory, above=above, below=below)
    cooldown_left = max(0.0, memory["cooldown_until"] - now)
    inputs = {
        "average_stress": round(average, 4), "running": len(running), "standby": len(down),
        "busy": [f"{b['host']} {b['state']}" for b in busy], "above": above, "below": below,
        "periods": settings["periods"], "min": settings["min"], "max": settings["max"],
        "high": settings["high"], "low": settings["low"], "cooldown_left": round(cooldown_left, 1),
        "drained": drained,
        "bridges": {b["host"]: {"state": b["state"], "stress": b.get("stress", 0.0),
                                "conferences": b.get("conferences", 0), "participants": b.get("participants", 0)}
                    for b in bridges},
    }

    def hold(reason):
        return {"action": HOLD, "bridge": None, "reason": reason, "inputs": inputs}, memory

    def act(action, bridge, reason):
        # Fresh evidence for the next action: the counters start again.
        return ({"action": action, "bridge": bridge["host"], "reason": reason, "inputs": inputs},
                dict(memory, above=0, below=0))

    if busy:
        return hold(f"one action at a time: {', '.join(inputs['busy'])}")
    if len(running) < settings["min"]:
        if not down:
            return hold(f"{len(running)} running, below min {settings['min']}, and no standby bridge left")
        return act(UP, _first_standby(down), f"{len(running)} running, below min {settings['min']}")
    if len(running) > settings["max"]:
        if drained:
            return hold(f"{len(running)} running, above max {settings['max']}, but the shard is drained")
        victim = _least_loaded(running)
        if victim is not None:
            return act(DOWN_ACTION, victim, f"{len(running)} running, above max {settings['max']}")
    if cooldown_left > 0:
        return hold(f"cooldown: {cooldown_left:.0f} s left after the last action")
    if above >= settings["periods"]:
        reason = f"average stress {average:.2f} above {settings['high']} for {above} intervals"
        if len(running) >= settings["max"]:
            return hold(f"{reason}, but at max {settings['max']}")
        if not down:
            return hold(f"{reason}, but no standby bridge left")
        return act(UP, _first_standby(down), reason)
    if below >= settings["periods"]:
        reason = f"average stress {average:.2f} below {settings['low']} for {below} intervals"
        if len(running) <= settings["min"]:
            return hold(f"{reason}, but at min {settings['min']}")
        if drained:
            return hold(f"{reason}, but the shard is drained")
        victim = _least_loaded(running)
        if victim is None:
            return hold(f"{reason}, but the only candidate is the last bridge with conferences")
        # Its load moves to the others: stop only when they stay below `high` with it.
        projected = sum(stress) / (len(running) - 1)
        if projected > settings["high"]:
            return hold(f"{reason}, but the others would reach {projected:.2f}, above {settings['high']}")
        return act(DOWN_ACTION, victim, reason)
    if above:
        return hold(f"average stress {average:.2f} above {settings['high']} for {above}/{settings['periods']} intervals")
    if below:
        return hold(f"average stress {average:.2f} below {settings['low']} for {below}/{settings['periods']} intervals")
    return hold(f"average stress {average:.2f} inside the band {settings['low']}..{settings['high']}")
