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


def test_overlay_members_that_reach_every_peer_and_those_that_do_not():
    healthy = {"a": _stats(1, 1), "b": _stats(0, 0)}
    lines = summary.cluster_summary(SHARDS, healthy, ["h1"], "meet.test", {"a-signal": [], "a-jvb1": []})
    assert "overlay: 2/2 members reach every peer over vx0" in lines and lines[-1] == "all shards healthy"
    lines = summary.cluster_summary(SHARDS, healthy, ["h1"], "meet.test",
                                    {"a-signal": ["no answer over vx0 from a-jvb1"], "a-jvb1": ["vx0 is missing or down"]})
    assert "overlay: 0/2 members reach every peer over vx0" in lines
    assert "UNHEALTHY: overlay: a-jvb1: vx0 is missing or down" in lines
    assert "UNHEALTHY: overlay: a-signal: no answer over vx0 from a-jvb1" in lines


def test_failed_hosts_are_named_not_crashed_on():
    lines = summary.cluster_summary(SHARDS, {"a": None, "b": _stats(0, 0)}, ["h1"], "meet.test",
                                    {"a-signal": None, "a-jvb1": []}, ["a-signal"])
    assert "UNHEALTHY: a-signal failed or was unreachable in this run: it is not configured, see its error above" in lines
    assert not any("a-signal was not probed" in line for line in lines)
    assert "UNHEALTHY: shard a: Jicofo on a-signal did not answer /stats" in lines


def test_registered_results_are_read_as_ansible_leaves_them():
    # uri results (200 with json, a refused connection), shell results (run, skipped), and hosts
    # that never got that far (None).
    jicofo = {"a": {"status": 200, "json": _stats(1, 1)}, "b": {}}
    overlay = {"a-signal": {"rc": 0, "stdout_lines": []}, "a-jvb1": {"skipped": True}, "b-signal": {}}
    lines = summary.cluster_summary(SHARDS, jicofo, ["h1"], "meet.test", overlay, ["b-signal"])
    assert lines[0].startswith("shard a [eu] signal a-signal: 1/1 bridges registered, 1 operational")
    assert "UNHEALTHY: shard b: Jicofo on b-signal did not answer /stats" in lines
    assert "overlay: 1/3 members reach every peer over vx0" in lines
    assert "UNHEALTHY: overlay: a-jvb1 was not probed" in lines
    assert not any("b-signal was not probed" in line for line in lines)
