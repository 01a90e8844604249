"""The operator's summary at the end of site.yml (pure, unit-tested)."""


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


def cluster_summary(shards, jicofo_stats, front_hosts, domain, overlay=None, failed_hosts=()):
    """Lines an operator reads: per shard its region, bridges Jicofo sees (and can use) vs
    expected, and what is unhealthy; then where to connect. `jicofo_stats` maps shard -> Jicofo's
    /stats (bridges under `bridge_selector`, as JicofoServices.getStats has them) or None.
    `overlay` maps each overlay member -> the problems its probe printed ([] when every peer
    answered over vx0) or None when it was not probed; `failed_hosts` failed or were
    unreachable earlier in the run (they are named, and nothing is concluded from them).
    Both maps may hold Ansible's registered results as they are (see _stats, _probe)."""
    jicofo_stats = {shard: _stats(value) for shard, value in (jicofo_stats or {}).items()}
    overlay = {member: _probe(value) for member, value in (overlay or {}).items()}
    lines, problems = [], []
    failed_hosts = sorted(failed_hosts or ())
    for host in failed_hosts:
        problems.append(f"{host} failed or was unreachable in this run: it is not configured, see its error above")
    for name, shard in sorted(shards.items()):
        expected = len(shard["bridges"])
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
        bridges = ", ".join(f"{b['host']} ({b['slot_name']}, {b['region']})" for b in shard["bridges"]) or "none"
        lines.append(f"shard {name} [{shard['region']}] signal {shard['signal']}: "
                     f"{seen}/{expected} bridges registered, {usable} operational: {bridges}")
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
        return {"jitsi_cluster_summary": cluster_summary}
