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


def _autoscaled():
    bridges = [{"host": f"a-jvb{n}", "slot_name": f"jvb-0{n}", "region": "eu", "standby": n > 1} for n in (1, 2, 3)]
    return {"a": {"region": "eu", "signal": "a-signal", "bridges": bridges,
                  "autoscale": {"enabled": True, "host": ""}}}


METRICS = """# HELP jitsi_autoscaler_running_bridges Bridges running and in the brewery.
# TYPE jitsi_autoscaler_running_bridges gauge
jitsi_autoscaler_desired_bridges{shard="a"} 3
jitsi_autoscaler_running_bridges{shard="a"} 2
jitsi_autoscaler_standby_bridges{shard="a"} 0
jitsi_autoscaler_min_bridges{shard="a"} 1
jitsi_autoscaler_max_bridges{shard="a"} 3
jitsi_autoscaler_average_stress{shard="a"} 0.91
jitsi_autoscaler_action_in_progress{shard="a",action="up",bridge="a-jvb3",reason="average stress 0.91 above 0.8 for 3 intervals"} 1
jitsi_autoscaler_last_action_info{shard="a",action="up",bridge="a-jvb2",result="done",reason="say \\"hi\\"\\nbye"} 1
"""


def test_autoscaler_state_from_its_metrics():
    state = summary.autoscaler_state({"status": 200, "content": METRICS})
    assert (state["desired"], state["running"], state["standby"], state["min"], state["max"]) == (3, 2, 0, 1, 3)
    assert state["action"] == {"action": "up", "bridge": "a-jvb3", "reason": "average stress 0.91 above 0.8 for 3 intervals"}
    assert state["last"]["reason"] == 'say "hi"\nbye'
    assert summary.autoscaler_state({"status": -1, "msg": "refused"}) is None
    assert summary.autoscaler_state({"skipped": True}) is None


def test_an_autoscaled_shard_expects_the_bridges_its_autoscaler_runs():
    shards = _autoscaled()
    assert summary.expected_bridges(shards["a"], {"status": 200, "content": METRICS}) == 2
    # Not answering: the bridges site.yml started (the standbys stay stopped).
    assert summary.expected_bridges(shards["a"], {}) == 1
    assert summary.expected_bridges(dict(shards["a"], autoscale={"enabled": False})) == 3
    lines = summary.cluster_summary(shards, {"a": _stats(2, 2)}, ["h1"], "meet.test",
                                    autoscalers={"a": {"status": 200, "content": METRICS}})
    assert lines[0].startswith("shard a [eu] signal a-signal: 2/2 bridges registered, 2 operational: "
                               "a-jvb1 (jvb-01, eu), a-jvb2 (jvb-02, eu, standby)")
    assert lines[1] == ("shard a autoscaler: 2 running, 3 desired, 0 standby (min 1, max 3), average stress 0.91; "
                        "now: up a-jvb3 (average stress 0.91 above 0.8 for 3 intervals); "
                        'last: up a-jvb2 done (say "hi"\nbye)')
    assert lines[-1] == "all shards healthy"
    lines = summary.cluster_summary(shards, {"a": _stats(1, 1)}, ["h1"], "meet.test", autoscalers={"a": {"status": -1}})
    assert "UNHEALTHY: shard a: its autoscaler on a-signal did not answer /metrics" in lines


def test_the_wait_does_not_count_bridges_on_hosts_that_are_down():
    shards = _autoscaled()
    fixed = dict(shards["a"], autoscale={"enabled": False})
    assert summary.expected_bridges(fixed, down=["a-jvb2"]) == 2
    assert summary.expected_bridges(fixed, down=["a-signal", "elsewhere"]) == 3
    # Autoscaled and not answering: the started bridges, less those that are down.
    assert summary.expected_bridges(shards["a"], {}, down=["a-jvb1"]) == 0
    # Its autoscaler knows what runs.
    assert summary.expected_bridges(shards["a"], {"status": 200, "content": METRICS}, down=["a-jvb1"]) == 2
