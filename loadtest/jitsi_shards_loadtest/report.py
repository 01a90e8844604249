"""The run's report: a progress line per step, JSON, and one self-contained HTML page.

matplotlib is imported only to draw (Debian's python3-matplotlib): the generator itself runs
on the standard library, and a page without it still holds every table.
"""

import base64
import html
import io
import json

from . import stats


def ms(seconds):
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def progress_line(step, steps_total):
    """One terminal line per ramp step."""
    total = step["latency"]["total"]
    busy = step["busiest"]
    shards = " ".join(f"{k}={v}" for k, v in sorted(step["shards"].items())) or "-"
    return (f"step {step['step']}/{steps_total}: {step['concurrent']} connected (target {step['target']}), "
            f"{step['joins']} joins at {step['joins_per_s']}/s, p50 {ms(total['p50'])} p95 {ms(total['p95'])} "
            f"p99 {ms(total['p99'])}, errors {step['errors']} ({step['error_rate']:.1%}), "
            f"busiest {busy['process'] + ' ' + str(busy['cpu_percent']) + ' %' if busy else '-'}, "
            f"shards {shards}: {step['reason']}")


def summary_lines(result):
    """The closing lines of a run on the terminal."""
    lines = [f"participants {result['participants']} in {result['rooms']} rooms, "
             f"reconnects {result['reconnects']}, failovers {result['failovers']}, "
             f"stickiness violations {len(result['stickiness_violations'])}",
             "errors: " + (", ".join(f"{k} {v}" for k, v in sorted(result["errors"].items())) or "none"),
             "per shard: " + ", ".join(f"{k} {v}" for k, v in sorted(result["per_shard"].items()))]
    cap = result.get("capacity")
    if cap:
        lines.append(f"knee at step {cap['knee_step']} ({cap['reason']}): capacity {cap['concurrent']} "
                     f"participants, {cap['joins_per_s']} joins/s; busiest "
                     f"{(cap['busiest'] or {}).get('process', '-')}")
    elif result["options"].get("ramp"):
        lines.append("no knee within the ramp: every step stayed under the limits")
    return lines


def write_json(result, path):
    with open(path, "w") as f:
        json.dump(result, f, indent=1, default=str)


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def figures(result):
    """{title: PNG bytes} of the run's plots; {} without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return {}
    matplotlib.use("Agg")  # no display: files only
    from matplotlib import pyplot

    series = result["series"]
    joins, events, samples = series["joins"], [tuple(e) for e in series["events"]], series["samples"]
    pngs = {}

    fig, rate = pyplot.subplots(figsize=(9, 3.5))
    buckets = stats.per_second([j["t"] for j in joins])
    rate.bar([b for b, _ in buckets], [n for _, n in buckets], width=1.0, align="edge", color="#9ecae1", label="joins/s")
    rate.set_xlabel("seconds since start")
    rate.set_ylabel("joins per second")
    latency = rate.twinx()
    points = stats.latency_over_time(joins)
    for column, name in ((1, "p50"), (2, "p95"), (3, "p99")):
        latency.plot([p[0] for p in points], [p[column] for p in points], marker=".", label=f"join {name}")
    latency.set_ylabel("join latency, s")
    for fault in result["faults"]:
        rate.axvline(fault["started"], color="red", linestyle="--")
    if points:
        latency.legend(loc="upper left")
    pngs["Joins per second and join latency over time (dashed: faults)"] = _png(fig)

    fig, axis = pyplot.subplots(figsize=(9, 3.5))
    shards = stats.shard_series(events)
    for shard, points in sorted(shards.items()):
        axis.step([p[0] for p in points], [p[1] for p in points], where="post", label=shard)
    axis.set_xlabel("seconds since start")
    axis.set_ylabel("participants connected")
    if shards:
        axis.legend(loc="upper left")
    pngs["Participants per shard"] = _png(fig)

    fig, axis = pyplot.subplots(figsize=(9, 3.5))
    for name, points in sorted(stats.cpu_against_concurrency(samples, events).items()):
        axis.plot([p[0] for p in points], [p[1] for p in points], marker=".", linestyle="", label=name)
    axis.set_xlabel("participants connected")
    axis.set_ylabel("CPU, % of one core")
    if samples:
        axis.legend(loc="upper left", fontsize="small")
    pngs["CPU of each service against participants connected"] = _png(fig)
    pyplot.close("all")
    return pngs


def table(headers, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_html(result, pngs):
    """The page: summary, steps, errors, shards, faults, memory, then the plots inline."""
    steps = [(s["step"], s["target"], s["concurrent"], s["joins"], s["joins_per_s"],
              *(ms(s["latency"]["total"][p]) for p in ("p50", "p95", "p99")), s["errors"],
              (s["busiest"] or {}).get("process", "-"), s["reason"]) for s in result["steps"]]
    phases = [(phase, *(ms(v[p]) for p in ("p50", "p95", "p99"))) for phase, v in result["latency"].items()]
    plots = "".join(f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' "
                    f"src='data:image/png;base64,{base64.b64encode(png).decode()}'>" for title, png in pngs.items())
    if not pngs:
        plots = "<p>No plots: matplotlib is missing (Debian: apt-get install python3-matplotlib).</p>"
    sections = [
        "<h1>jitsi-shards load test</h1>",
        f"<p>Started {html.escape(result['started'])}, {result['duration_s']:.0f} s.</p>",
        "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in summary_lines(result)) + "</ul>",
        "<h2>Ramp steps</h2>", table(("step", "target", "connected", "joins", "joins/s", "p50", "p95", "p99",
                                      "errors", "busiest", "verdict"), steps),
        "<h2>Join latency by phase (whole run)</h2>", table(("phase", "p50", "p95", "p99"), phases),
        "<h2>Errors by kind</h2>", table(("phase/kind", "count"), sorted(result["errors"].items())),
        "<h2>Participants per shard</h2>", table(("shard", "participants"), sorted(result["per_shard"].items())),
        "<h2>Stickiness violations</h2>", table(("room", "shards"), [(r, ", ".join(s)) for r, s in
                                                                    sorted(result["stickiness_violations"].items())]),
        "<h2>Faults</h2>", table(("kind", "target", "at s", "rc", "command"),
                                 [(f["kind"], f["target"], f["started"], f["rc"], f["command"]) for f in result["faults"]]),
        "<h2>Peak memory (RSS)</h2>", table(("process", "MB"), sorted(stats.peak_rss_mb(result["series"]["samples"]).items())),
        plots,
    ]
    style = ("body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse;margin:.5em 0}"
             "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}img{max-width:100%}")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>jitsi-shards load test</title>"
            f"<style>{style}</style></head><body>{''.join(sections)}</body></html>")


def write_html(result, path):
    with open(path, "w") as f:
        f.write(render_html(result, figures(result)))
