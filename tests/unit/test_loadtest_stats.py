"""The load generator's arithmetic: percentiles, stickiness, error kinds, the knee."""

import asyncio
import ssl

import pytest

from jitsi_shards_loadtest import stats
from jitsi_shards_loadtest.client import STANZAS, UpgradeRefused, XmppError
import xml.etree.ElementTree as ET


def test_percentiles_interpolate_like_numpy():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert stats.percentile(values, 50) == pytest.approx(5.5)
    assert stats.percentile(values, 95) == pytest.approx(9.55)
    assert stats.percentile(values, 99) == pytest.approx(9.91)
    assert stats.percentile([3], 99) == 3
    assert stats.percentile([], 50) is None


def test_latency_summary_per_phase():
    joins = [{"connect": c, "auth": 0.1, "focus": 0.2, "muc": 0.3, "total": c + 0.6} for c in (0.1, 0.2, 0.3)]
    summary = stats.latency_summary(joins)
    assert summary["connect"]["p50"] == pytest.approx(0.2)
    assert summary["total"]["p50"] == pytest.approx(0.8)
    assert set(summary) == set(stats.PHASES)


def test_a_room_on_two_shards_is_a_violation():
    rooms = {"r1": ["shard_a", "shard_a"], "r2": ["shard_b", "shard_a", "shard_b"], "r3": ["shard_b"]}
    assert stats.stickiness_violations(rooms) == {"r2": ["shard_a", "shard_b", "shard_b"]}
    assert stats.stickiness_violations({}) == {}


def xmpp_error(condition):
    stanza = ET.fromstring(f"<iq xmlns='{STANZAS}' type='error'><error type='cancel'>"
                           f"<{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
    return XmppError("join", stanza)


@pytest.mark.parametrize("exc, kind", [
    (asyncio.TimeoutError(), "timeout"),
    (UpgradeRefused("HTTP/1.1 503 Service Unavailable", None), "http-503"),
    (xmpp_error("service-unavailable"), "xmpp-service-unavailable"),
    (ssl.SSLCertVerificationError("bad"), "tls"),
    (ConnectionRefusedError(), "refused"),
    (ConnectionResetError(), "reset"),
    (asyncio.IncompleteReadError(b"", 2), "reset"),
    (PermissionError("SASL ANONYMOUS refused"), "sasl-refused"),
    (ConnectionError("join: the server closed the stream"), "closed"),
    (RuntimeError("focus did not answer ready"), "focus-not-ready"),
    (OSError("no route"), "network"),
    (KeyError("x"), "other-KeyError"),
])
def test_errors_are_counted_by_kind(exc, kind):
    assert stats.classify_error(exc) == kind


def step(p95, errors=0, attempts=100, concurrent=100, rate=10.0, busiest=None):
    return {"latency": {"total": {"p50": p95 and p95 / 2, "p95": p95, "p99": p95}}, "attempts": attempts,
            "errors": errors, "error_rate": errors / attempts if attempts else 0.0, "concurrent": concurrent,
            "joins_per_s": rate, "busiest": busiest}


def test_the_knee_is_p95_above_the_limit_or_errors_above_one_percent():
    assert stats.step_verdict(step(0.5), 2.0, 0.01) == (True, "ok")
    assert stats.step_verdict(step(2.5), 2.0, 0.01) == (False, "p95 join 2.50 s > 2.00 s")
    assert stats.step_verdict(step(0.5, errors=1), 2.0, 0.01)[0]  # exactly 1 % is still good
    assert stats.step_verdict(step(0.5, errors=2), 2.0, 0.01) == (False, "errors 2.0% > 1.0%")
    assert stats.step_verdict(step(None, attempts=0), 2.0, 0.01) == (False, "no participant joined")


def test_capacity_is_the_last_good_step():
    steps = [step(0.3, concurrent=50, rate=9.8, busiest={"process": "a/prosody", "cpu_percent": 40}),
             step(0.6, concurrent=100, rate=9.5, busiest={"process": "a/prosody", "cpu_percent": 80}),
             step(3.0, concurrent=200, rate=4.0, busiest={"process": "a/prosody", "cpu_percent": 99})]
    for s in steps:
        s["ok"], s["reason"] = stats.step_verdict(s, 2.0, 0.01)
    cap = stats.capacity(steps)
    assert (cap["knee_step"], cap["concurrent"], cap["joins_per_s"]) == (3, 100, 9.5)
    assert cap["busiest"]["cpu_percent"] == 80 and cap["busiest_at_knee"]["cpu_percent"] == 99
    assert stats.capacity(steps[:2]) is None
    assert stats.capacity(steps[2:])["concurrent"] == 0


def test_cpu_means_and_the_busiest_process():
    samples = [{"t": 1, "host": "a", "service": "prosody", "cpu": 40.0, "rss_kb": 2048},
               {"t": 2, "host": "a", "service": "prosody", "cpu": 60.0, "rss_kb": 4096},
               {"t": 2, "host": "a", "service": "jicofo", "cpu": 30.0, "rss_kb": 1024},
               {"t": 9, "host": "a", "service": "jicofo", "cpu": 99.0, "rss_kb": 1024}]
    cpu = stats.mean_cpu(samples, 0, 5)
    assert cpu == {"a/prosody": 50.0, "a/jicofo": 30.0}
    assert stats.busiest(cpu) == {"process": "a/prosody", "cpu_percent": 50.0}
    assert stats.busiest({}) is None
    assert stats.peak_rss_mb(samples) == {"a/prosody": 4.0, "a/jicofo": 1.0}


def test_time_series():
    events = [(1, "a", 1), (2, "b", 1), (3, "a", 1), (5, "a", -1)]
    assert stats.concurrency_at(events, 3) == 3
    assert stats.shard_series(events) == {"a": [(1, 1), (3, 2), (5, 1)], "b": [(2, 1)]}
    samples = [{"t": 2.5, "host": "h", "service": "nginx", "cpu": 5.0}, {"t": 6, "host": "h", "service": "nginx", "cpu": 7.0}]
    assert stats.cpu_against_concurrency(samples, events) == {"h/nginx": [(2, 5.0), (2, 7.0)]}
    assert stats.per_second([0.1, 0.5, 2.2]) == [(0.0, 2.0), (1.0, 0.0), (2.0, 1.0)]
    joins = [{"t": 1, "total": 0.1}, {"t": 2, "total": 0.3}, {"t": 7, "total": 1.0}]
    assert stats.latency_over_time(joins, width=5) == [(0, 0.2, pytest.approx(0.29), pytest.approx(0.298)),
                                                       (5, 1.0, 1.0, 1.0)]
