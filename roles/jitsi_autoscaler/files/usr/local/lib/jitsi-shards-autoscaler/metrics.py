"""The autoscaler's state and counters in Prometheus' text exposition format (pure, unit-tested)."""

import decide

STATES = (decide.RUNNING, decide.STARTING, decide.STOPPING, decide.DOWN, "unavailable")


def _escape(value):
    # The exposition format's label escapes: backslash, double quote, newline.
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels):
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items()) + "}"


def render(scaler):
    """Text for GET /metrics from an autoscaler.Autoscaler (its last interval's view)."""
    shard = scaler.config["shard"]
    bridges = scaler.view["bridges"]
    count = {state: sum(1 for b in bridges if b["state"] == state) for state in STATES}
    lines = []

    def metric(name, kind, helptext, samples):
        lines.append(f"# HELP jitsi_autoscaler_{name} {helptext}")
        lines.append(f"# TYPE jitsi_autoscaler_{name} {kind}")
        lines.extend(f"jitsi_autoscaler_{name}{_labels(shard=shard, **labels)} {value}" for labels, value in samples)

    metric("desired_bridges", "gauge", "Bridges the autoscaler wants running (running and starting).",
           [({}, count[decide.RUNNING] + count[decide.STARTING])])
    metric("running_bridges", "gauge", "Bridges running and in the brewery.", [({}, count[decide.RUNNING])])
    metric("standby_bridges", "gauge", "Bridges down that the provider can start.", [({}, count[decide.DOWN])])
    metric("bridges", "gauge", "Bridges by state.", [({"state": s}, count[s]) for s in STATES])
    metric("min_bridges", "gauge", "jitsi_autoscale.min.", [({}, scaler.config["min"])])
    metric("max_bridges", "gauge", "jitsi_autoscale.max.", [({}, scaler.config["max"])])
    metric("average_stress", "gauge", "Average stress_level of the running bridges.",
           [({}, scaler.view["average_stress"])])
    metric("bridge_stress", "gauge", "stress_level of each bridge that answers.",
           [({"bridge": b["host"]}, b["stress"]) for b in bridges if b["state"] != decide.DOWN])
    metric("shard_drained", "gauge", "1 when the shard is drained or its state unknown (no scale-down).",
           [({}, int(scaler.view["drained"]))])
    metric("intervals_above_high", "gauge", "Intervals in a row above high.", [({}, scaler.memory["above"])])
    metric("intervals_below_low", "gauge", "Intervals in a row below low.", [({}, scaler.memory["below"])])
    metric("cooldown_seconds", "gauge", "Seconds left before the next action may start.",
           [({}, round(max(0.0, scaler.memory["cooldown_until"] - scaler.clock()), 1))])
    metric("action_in_progress", "gauge", "1 while a scale-up or scale-down runs.",
           [({"action": a["kind"], "bridge": a["bridge"], "reason": a["reason"]}, 1) for a in [scaler.action] if a]
           or [({"action": "none", "bridge": "", "reason": ""}, 0)])
    metric("decisions_total", "counter", "Decisions taken, one per interval.",
           [({"action": a}, n) for a, n in sorted(scaler.decisions.items())])
    metric("actions_total", "counter", "Scale-ups and scale-downs by result.",
           [({"action": k.split("_")[0], "result": k.split("_")[1]}, n) for k, n in sorted(scaler.counters.items())])
    last = scaler.last
    if last:
        metric("last_action_info", "gauge", "The last finished action and why it was taken.",
               [({"action": last["kind"], "bridge": last["bridge"], "result": last["result"],
                  "reason": last["reason"]}, 1)])
        metric("last_action_timestamp_seconds", "gauge", "When the last action finished (Unix time).",
               [({}, round(last["at"], 3))])
    return "\n".join(lines) + "\n"

