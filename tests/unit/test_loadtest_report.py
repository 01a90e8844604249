"""The report from synthetic data: tables, the progress line, and the plots as real PNGs."""

import base64
import json
import pathlib
import re
import struct
import subprocess

import pytest

from jitsi_shards_loadtest import report, stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "scripts" / "jitsi-shards-loadtest"


def synthetic_result():
    joins = [{"t": i * 0.1, "step": 0 if i < 40 else 1, "room": f"r{i // 10}", "front": "h1:443",
              "shard": "shard_a" if (i // 10) % 2 else "shard_b", "reconnect": False,
              "connect": 0.01, "auth": 0.02, "focus": 0.03, "muc": 0.04, "total": 0.1 + i / 100} for i in range(80)]
    events = [[j["t"], j["shard"], 1] for j in joins] + [[20.0, j["shard"], -1] for j in joins]
    samples = [{"t": t, "host": "lab-a-signal", "service": service, "cpu": t * k, "rss_kb": 20000 + t}
               for t in range(1, 10) for service, k in (("prosody", 5), ("jicofo", 2))]
    steps = []
    for index, (target, p95) in enumerate(((40, 0.4), (80, 2.5))):
        step = {"step": index + 1, "target": target, "concurrent": target, "attempts": 40, "joins": 40,
                "errors": 0, "error_rate": 0.0, "joins_per_s": 10.0,
                "latency": {p: {"p50": 0.1, "p95": p95, "p99": p95} for p in stats.PHASES},
                "cpu": {"lab-a-signal/prosody": 40.0}, "busiest": {"process": "lab-a-signal/prosody", "cpu_percent": 40.0},
                "shards": {"shard_a": target // 2, "shard_b": target // 2}, "window": [0, 1]}
        step["ok"], step["reason"] = stats.step_verdict(step, 2.0, 0.01)
        steps.append(step)
    return {"started": "2025-01-01T00:00:00+00:00", "duration_s": 21.0, "options": {"ramp": [40, 80]},
            "steps": steps, "capacity": stats.capacity(steps), "participants": 80, "latency": stats.latency_summary(joins),
            "errors": {"connect/http-503": 1}, "error_samples": [], "per_shard": {"shard_a": 40, "shard_b": 40},
            "rooms": 8, "stickiness_violations": {}, "reconnects": 2, "failovers": 0,
            "faults": [{"kind": "stop-front", "target": "h2", "at": 5, "started": 5.0, "rc": 0, "command": "echo <b>"}],
            "sampler_failures": {}, "series": {"joins": joins, "events": events, "samples": samples}}


def test_progress_line_and_summary():
    result = synthetic_result()
    line = report.progress_line(result["steps"][1], 2)
    assert line.startswith("step 2/2: 80 connected (target 80), 40 joins at 10.0/s, p50 100 ms p95 2500 ms")
    assert line.endswith("shards shard_a=40 shard_b=40: p95 join 2.50 s > 2.00 s")
    lines = report.summary_lines(result)
    assert "knee at step 2 (p95 join 2.50 s > 2.00 s): capacity 40 participants, 10.0 joins/s" in lines[-1]
    assert "stickiness violations 0" in lines[0]


def test_html_without_plots_is_escaped_and_complete():
    page = report.render_html(synthetic_result(), {})
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>")
    assert "echo &lt;b&gt;" in page and "<b>" not in page
    assert "python3-matplotlib" in page
    assert "connect/http-503" in page


def png_size(png):
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_plots_render_in_process():
    pytest.importorskip("matplotlib")
    pngs = report.figures(synthetic_result())
    assert len(pngs) == 3 and all(min(png_size(p)) > 100 for p in pngs.values())


def launcher_has_matplotlib():
    python = "/usr/bin/python3"
    return subprocess.run([python, "-c", "import matplotlib"], capture_output=True).returncode == 0


@pytest.mark.skipif(not launcher_has_matplotlib(), reason="Debian's python3-matplotlib is not installed")
def test_the_launcher_renders_a_saved_run_with_its_plots(tmp_path):
    saved, page = tmp_path / "run.json", tmp_path / "run.html"
    saved.write_text(json.dumps(synthetic_result()))
    subprocess.run([str(LAUNCHER), "--from-json", str(saved), "--html", str(page)], check=True)
    images = re.findall(r"src='data:image/png;base64,([^']+)'", page.read_text())
    assert len(images) == 3
    for image in images:
        width, height = png_size(base64.b64decode(image))
        assert width > 300 and height > 100
