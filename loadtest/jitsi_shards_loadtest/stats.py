"""The numbers of a run, computed from plain records (no I/O): what the unit tests pin down."""

import asyncio
import math
import ssl

from .client import UpgradeRefused, XmppError

PHASES = ("connect", "auth", "focus", "muc", "total")


def percentile(values, p):
    """The p-th percentile (0..100), interpolated between ranks as numpy's default; None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(joins):
    """p50/p95/p99 of each phase of the given joins (records with one key per phase)."""
    return {phase: {f"p{p}": percentile([j[phase] for j in joins], p) for p in (50, 95, 99)}
            for phase in PHASES}


def stickiness_violations(room_shards):
    """Rooms whose participants reached more than one shard: {room: sorted shards}.

    room_shards maps each room to the shards its connections were answered by (reconnects
    included): one room on two shards is two meetings for people who meant to meet."""
    return {room: sorted(shards) for room, shards in room_shards.items() if len(set(shards)) > 1}


def classify_error(exc):
    """A short, stable name for what went wrong, to count errors by kind."""
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "timeout"
    if isinstance(exc, UpgradeRefused):
        return f"http-{exc.status}"
    if isinstance(exc, XmppError):
        return f"xmpp-{exc.condition}"
    if isinstance(exc, ssl.SSLError):
        return "tls"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (ConnectionResetError, asyncio.IncompleteReadError, BrokenPipeError)):
        return "reset"
    if isinstance(exc, PermissionError):
        return "sasl-refused"
    if isinstance(exc, ConnectionError):
        return "closed"  # the server ended the stream (our client's own message for it)
    if isinstance(exc, RuntimeError) and "focus" in str(exc):
        return "focus-not-ready"
    if isinstance(exc, OSError):
        return "network"
    return f"other-{type(exc).__name__}"


def step_verdict(step, p95_limit, max_error_rate):
    """(ok, why) for one ramp step: the knee is p95 join above the limit or too many errors."""
    p95 = step["latency"]["total"]["p95"]
    if step["attempts"] and step["error_rate"] > max_error_rate:
        return False, f"errors {step['error_rate']:.1%} > {max_error_rate:.1%}"
    if p95 is None:
        return False, "no participant joined"
    if p95 > p95_limit:
        return False, f"p95 join {p95:.2f} s > {p95_limit:.2f} s"
    return True, "ok"


def capacity(steps):
    """What the ramp found: the last good step before the first bad one (None if all were good)."""
    for index, step in enumerate(steps):
        if not step["ok"]:
            good = steps[index - 1] if index else None
            return {"knee_step": index + 1, "reason": step["reason"],
                    "concurrent": good["concurrent"] if good else 0,
                    "joins_per_s": good["joins_per_s"] if good else 0.0,
                    "busiest": good["busiest"] if good else step["busiest"],
                    "busiest_at_knee": step["busiest"]}
    return None


def busiest(cpu):
    """The process with the highest mean CPU: {"process": "host/service", "cpu_percent": x} or None."""
    if not cpu:
        return None
    name = max(cpu, key=cpu.get)
    return {"process": name, "cpu_percent": round(cpu[name], 1)}


def mean_cpu(samples, start, end):
    """Mean CPU % per host/service over the samples taken in [start, end)."""
    sums = {}
    for s in samples:
        if start <= s["t"] < end:
            sums.setdefault(f"{s['host']}/{s['service']}", []).append(s["cpu"])
    return {name: sum(v) / len(v) for name, v in sums.items()}


def concurrency_at(events, t):
    """Participants connected at time t, from (t, shard, +1/-1) events."""
    return sum(delta for when, _, delta in events if when <= t)


def per_second(times, width=1.0):
    """(bucket start, count) for events at the given times, every bucket from 0 to the last."""
    if not times:
        return []
    counts = [0] * (int(max(times) // width) + 1)
    for t in times:
        counts[int(t // width)] += 1
    return [(i * width, n / width) for i, n in enumerate(counts)]


def latency_over_time(joins, width=5.0):
    """(bucket start, p50, p95, p99) of total join latency per time bucket with joins in it."""
    buckets = {}
    for j in joins:
        buckets.setdefault(int(j["t"] // width), []).append(j["total"])
    return [(b * width, *(percentile(v, p) for p in (50, 95, 99))) for b, v in sorted(buckets.items())]


def shard_series(events):
    """{shard: [(t, participants connected to it)]}, one point per change."""
    counts, series = {}, {}
    for t, shard, delta in sorted(events, key=lambda e: e[0]):
        shard = str(shard)
        counts[shard] = counts.get(shard, 0) + delta
        series.setdefault(shard, []).append((t, counts[shard]))
    return series


def cpu_against_concurrency(samples, events):
    """{host/service: [(participants connected, CPU %)]} at each sample's time."""
    ordered = sorted(events, key=lambda e: e[0])
    points, connected, i = {}, 0, 0
    for s in sorted(samples, key=lambda s: s["t"]):
        while i < len(ordered) and ordered[i][0] <= s["t"]:
            connected += ordered[i][2]
            i += 1
        points.setdefault(f"{s['host']}/{s['service']}", []).append((connected, s["cpu"]))
    return points


def peak_rss_mb(samples):
    """{host/service: highest RSS seen, MB}."""
    peaks = {}
    for s in samples:
        name = f"{s['host']}/{s['service']}"
        peaks[name] = max(peaks.get(name, 0), round(s["rss_kb"] / 1024, 1))
    return peaks
