"""site.yml's closing summary."""


import jitsi_summary as summary

SHARDS = {
    "a": {"region": "eu", "mode": "muc", "signal": "a-signal",
          "bridges": [{"host": "a-jvb1", "slot_name": "jvb-01", "region": "eu"}]},
    "b": {"region": "us", "mode": "component", "signal": "b-signal", "bridges": []},
}


def test_healthy_cluster():
    lines = summary.cluster_summary(SHARDS, {"a": {"bridge_count": 1}, "b": {"bridge_count": 0}}, ["h1"], "meet.test")
    assert lines[0] == "shard a [eu, muc] signal a-signal: 1/1 bridges registered: a-jvb1 (jvb-01, eu)"
    assert "https://meet.test/" in lines[2] and "https://h1/" in lines[2]
    assert lines[-1] == "all shards healthy"


def test_missing_bridges_and_silent_jicofo_are_named():
    lines = summary.cluster_summary(SHARDS, {"a": {"bridge_count": 0}, "b": None}, [], "meet.test")
    assert "UNHEALTHY: shard a: Jicofo sees 0 of 1 bridges" in lines
    assert "UNHEALTHY: shard b: Jicofo on b-signal did not answer /stats" in lines
    assert "group haproxy is empty" in lines[2]
