"""The operator's summary at the end of site.yml (pure, unit-tested)."""

import re

# One sample of Prometheus' text format: name, optional {labels}, value.
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _stats(value):
    """Jicofo's /stats from a registered uri result (or the stats themselves); None if it did
    not answer 200 or the host never got to ask."""
    if not isinstance(value, dict) or not value:
        return None
    if not {"status", "skipped", "msg", "json"} & set(value):
        return value  # the stats themselves
    if value.get("status") == 200 and isinstance(value.get("json"), dict):
        return value["json"]
    return None


def _probe(value):
    """What an overlay probe printed ([] = every peer answered) from a registered result (or the
    list itself); None when it did not run."""
    if value is None or isinstance(value, list):
        return value
    if not isinstance(value, dict) or value.get("skipped") or "stdout_lines" not in value:
        return None
    return list(value["stdout_lines"])


def autoscaler_state(value):
    """What a shard's autoscaler reports on /metrics (roles/jitsi_autoscaler), from a registered uri
    result or the text: {desired, running, standby, min, max, average_stress, action, last}; None
    when it did not answer."""
    if isinstance(value, dict):
        value = value.get("content") if value.get("status") == 200 else None
    if not isinstance(value, str) or not value:
        return None
    found = {"action": None, "last": None}
    for line in value.splitlines():
        match = _SAMPLE.match(line.strip())
        if not match or line.startswith("#"):
            continue
        name, labels = match.group(1).removeprefix("jitsi_autoscaler_"), dict(_LABEL.findall(match.group(2) or ""))
        labels = {k: re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v) for k, v in labels.items()}
        number = float(match.group(3))
        if name in ("desired_bridges", "running_bridges", "standby_bridges", "min_bridges", "max_bridges"):
            found[name.removesuffix("_bridges")] = int(number)
        elif name == "average_stress":
            found[name] = number
        elif name == "action_in_progress" and number:
            found["action"] = {k: labels.get(k) for k in ("action", "bridge", "reason")}
        elif name == "last_action_info":
            found["last"] = {k: labels.get(k) for k in ("action", "bridge", "result", "reason")}
    return found if "running" in found else None


def expected_bridges(shard, autoscaler=None, down=()):
    """How many bridges Jicofo should count: every bridge of the shard, or in an autoscaled shard
    those its autoscaler runs (the ones site.yml started when it does not answer). Bridges on
    `down` hosts (failed or unreachable in this run) are not counted: waiting for them is futile."""
    if not (shard.get("autoscale") or {}).get("enabled") is True:
        return sum(1 for b in shard["bridges"] if b["host"] not in down)
    state = autoscaler_state(autoscaler)
    if state is not None:
        return state["running"]
    return sum(1 for b in shard["bridges"] if not b.get("standby") and b["host"] not in down)


def _autoscaler_line(name, state):
    line = (f"shard {name} autoscaler: {state['running']} running, {state['desired']} desired, "
            f"{state['standby']} standby (min {state.get('min')}, max {state.get('max')}), "
            f"average stress {state.get('average_stress', 0.0):.2f}")
    if state["action"]:
        line += f"; now: {state['action']['action']} {state['action']['bridge']} ({state['action']['reason']})"
    if state["last"]:
        last = state["last"]
        line += f"; last: {last['action']} {last['bridge']} {last['result']} ({last['reason']})"
    return line


def cluster_summary(shards, jicofo_stats, front_hosts, domain, overlay=None, failed_hosts=(), autoscalers=None):
    """Lines an operator reads: per shard its region, bridges Jicofo sees (and can use) vs
    expected, and what is unhealthy; then where to connect. `jicofo_stats` maps shard -> Jicofo's
    /stats (bridges under `bridge_selector`, as JicofoServices.getStats has them) or None.
    `overlay` maps each overlay member -> the problems its probe printed ([] when every peer
    answered over vx0) or None when it was not probed; `failed_hosts` failed or were
    unreachable earlier in the run (they are named, and nothing is concluded from them).
    `autoscalers` maps each autoscaled shard -> its autoscaler's /metrics (see autoscaler_state):
    such a shard is expected to have the bridges its autoscaler runs, not all of them.
    The maps may hold Ansible's registered results as they are (see _stats, _probe)."""
    autoscalers = autoscalers or {}
    jicofo_stats = {shard: _stats(value) for shard, value in (jicofo_stats or {}).items()}
    overlay = {member: _probe(value) for member, value in (overlay or {}).items()}
    lines, problems = [], []
    failed_hosts = sorted(failed_hosts or ())
    for host in failed_hosts:
        problems.append(f"{host} failed or was unreachable in this run: it is not configured, see its error above")
    for name, shard in sorted(shards.items()):
        scaled = (shard.get("autoscale") or {}).get("enabled") is True
        expected = expected_bridges(shard, autoscalers.get(name))
        stats = jicofo_stats.get(name)
        if stats is None:
            seen = usable = "?"
            problems.append(f"shard {name}: Jicofo on {shard['signal']} did not answer /stats")
        else:
            selector = stats.get("bridge_selector") or {}
            seen = selector.get("bridge_count", 0)
            usable = selector.get("operational_bridge_count", 0)
            if seen != expected:
                problems.append(f"shard {name}: Jicofo sees {seen} of {expected} bridges")
            elif usable != expected:
                problems.append(f"shard {name}: only {usable} of {expected} bridges are operational (unhealthy or shutting down)")
            if stats.get("healthy") is False:
                problems.append(f"shard {name}: Jicofo's health check fails: {(stats.get('health') or {}).get('message')}")
        bridges = ", ".join(f"{b['host']} ({b['slot_name']}, {b['region']}{', standby' if b.get('standby') else ''})"
                            for b in shard["bridges"]) or "none"
        lines.append(f"shard {name} [{shard['region']}] signal {shard['signal']}: "
                     f"{seen}/{expected} bridges registered, {usable} operational: {bridges}")
        if scaled:
            state = autoscaler_state(autoscalers.get(name))
            if state is None:
                problems.append(f"shard {name}: its autoscaler on {shard['autoscale'].get('host') or shard['signal']} "
                                f"did not answer /metrics")
            else:
                lines.append(_autoscaler_line(name, state))
    overlay = overlay or {}
    members = sorted(overlay)
    if members:
        reached = [m for m in members if overlay[m] == []]
        lines.append(f"overlay: {len(reached)}/{len(members)} members reach every peer over vx0")
        for member in members:
            if overlay[member] is None:
                if member not in failed_hosts:
                    problems.append(f"overlay: {member} was not probed")
            else:
                problems += [f"overlay: {member}: {p}" for p in overlay[member]]
    entry = ", ".join(f"https://{h}/" for h in sorted(front_hosts)) or "no HAProxy nodes (group haproxy is empty)"
    lines.append(f"users: https://{domain}/ (DNS to the HAProxy nodes: {entry})")
    lines += [f"UNHEALTHY: {p}" for p in problems] or ["all shards healthy"]
    return lines


class FilterModule:
    def filters(self):
        return {"jitsi_cluster_summary": cluster_summary, "jitsi_summary_expected_bridges": expected_bridges}
