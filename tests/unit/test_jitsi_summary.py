"""site.yml's closing summary, from Jicofo's /stats as real Jicofo shapes it."""


import jitsi_summary as summary

SHARDS = {
    "a": {"region": "eu", "signal": "a-signal",
          "bridges": [{"host": "a-jvb1", "slot_name": "jvb-01", "region": "eu"}]},
    "b": {"region": "us", "signal": "b-signal", "bridges": []},
}


def _stats(count, operational, **extra):
    return {"conferences": 0, "bridge_selector": {"bridge_count": count, "operational_bridge_count": operational}, **extra}


def test_healthy_cluster():
    lines = summary.cluster_summary(SHARDS, {"a": _stats(1, 1, healthy=True), "b": _stats(0, 0)}, ["h1"], "meet.test")
    assert lines[0] == "shard a [eu] signal a-signal: 1/1 bridges registered, 1 operational: a-jvb1 (jvb-01, eu)"
    assert "https://meet.test/" in lines[2] and "https://h1/" in lines[2]
    assert lines[-1] == "all shards healthy"


def test_counts_are_read_under_bridge_selector_only():
    # Real Jicofo has no top-level bridge_count: a summary reading it would see 0 bridges.
    lines = summary.cluster_summary(SHARDS, {"a": {"bridge_count": 1, "operational_bridge_count": 1}, "b": _stats(0, 0)},
                                    [], "meet.test")
    assert "UNHEALTHY: shard a: Jicofo sees 0 of 1 bridges" in lines


def test_missing_unusable_bridges_and_silent_jicofo_are_named():
    lines = summary.cluster_summary(SHARDS, {"a": _stats(0, 0), "b": None}, [], "meet.test")
    assert "UNHEALTHY: shard a: Jicofo sees 0 of 1 bridges" in lines
    assert "UNHEALTHY: shard b: Jicofo on b-signal did not answer /stats" in lines
    assert "group haproxy is empty" in lines[2]
    lines = summary.cluster_summary(SHARDS, {"a": _stats(1, 0, healthy=False, health={"message": "No operational bridges"}),
                                             "b": _stats(0, 0)}, [], "meet.test")
    assert "UNHEALTHY: shard a: only 0 of 1 bridges are operational (unhealthy or shutting down)" in lines
    assert "UNHEALTHY: shard a: Jicofo's health check fails: No operational bridges" in lines
