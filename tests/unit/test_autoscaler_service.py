"""The autoscaler around its decision: observation, actions and their end, the provider calls,
the state kept across restarts, and /metrics (roles/jitsi_autoscaler/files/.../)."""

import json

import autoscaler
import decide
import metrics
import providers

CONFIG = {"shard": "a", "min": 1, "max": 3, "high": 0.8, "low": 0.3, "periods": 2, "cooldown": 10,
          "start_timeout": 30, "interval": 2, "provider": "systemd",
          "ssh": {"user": "jitsi-autoscale", "key": "/k", "known_hosts": "/kh"},
          "bridges": [{"host": f"jvb{n}", "slot": n, "slot_name": f"jvb-0{n}", "address": f"192.0.2.{n}",
                       "overlay_address": f"10.99.0.{n}", "rest_port": 8080} for n in (1, 2, 3)]}


def stats(stress, conferences=0, participants=0, joined=1, graceful=False):
    return {"stress_level": stress, "conferences": conferences, "participants": participants,
            "muc_clients_connected": joined, "graceful_shutdown": graceful, "shutting_down": False}


class Cluster:
    """Fake bridges, provider and clock."""

    def __init__(self, tmp_path):
        self.now = 100.0
        self.answers = {"jvb1": stats(0.5, 2, 6), "jvb2": None, "jvb3": None}
        self.calls = []
        self.state = "ready"
        self.config = dict(CONFIG, state_file=str(tmp_path / "state.json"))
        self.fail = None

    def provider(self):
        cluster = self

        class Fake:
            def start(self, bridge):
                cluster.calls.append(("start", bridge["host"]))
                if cluster.fail:
                    raise providers.ProviderError(cluster.fail)

            def stop(self, bridge):
                cluster.calls.append(("stop", bridge["host"]))
        return Fake()

    def scaler(self):
        return autoscaler.Autoscaler(self.config, self.provider(), lambda b: self.answers[b["host"]],
                                     lambda b: self.calls.append(("shutdown", b["host"])), lambda: self.state,
                                     lambda: self.now, lambda: 1_000_000 + self.now)

    def steps(self, scaler, count):
        decisions = []
        for _ in range(count):
            decisions.append(scaler.step())
            self.now += 2
        return decisions


def test_classify():
    up = {"kind": decide.UP, "bridge": "jvb2"}
    down = {"kind": decide.DOWN_ACTION, "bridge": "jvb2"}
    assert autoscaler.classify(None, None, "jvb2") == decide.DOWN
    assert autoscaler.classify(None, up, "jvb2") == decide.STARTING
    assert autoscaler.classify(None, down, "jvb2") == decide.STOPPING
    assert autoscaler.classify(None, up, "jvb3") == decide.DOWN
    assert autoscaler.classify(stats(0.1, joined=0), up, "jvb2") == decide.STARTING
    assert autoscaler.classify(stats(0.1, joined=0), None, "jvb2") == "unavailable"
    assert autoscaler.classify(stats(0.1, graceful=True), None, "jvb2") == decide.STOPPING
    assert autoscaler.classify(stats(0.1), up, "jvb2") == decide.RUNNING


def test_scale_up_waits_for_the_brewery_then_cools_down(tmp_path):
    cluster = Cluster(tmp_path)
    scaler = cluster.scaler()
    cluster.answers["jvb1"] = stats(0.95, 5, 20)
    first, second = cluster.steps(scaler, 2)
    assert first["action"] == decide.HOLD and second["action"] == decide.UP and cluster.calls == [("start", "jvb2")]
    # Booting (no answer), then up but not in the brewery: one action at a time.
    third = cluster.steps(scaler, 1)[0]
    cluster.answers["jvb2"] = stats(0.0, joined=0)
    fourth = cluster.steps(scaler, 1)[0]
    assert third["reason"] == fourth["reason"] == "one action at a time: jvb2 starting"
    cluster.answers["jvb2"] = stats(0.0)
    fifth = cluster.steps(scaler, 1)[0]
    assert scaler.action is None and scaler.counters["up_done"] == 1
    assert scaler.last["bridge"] == "jvb2" and scaler.last["result"] == "done"
    assert fifth["inputs"]["running"] == 2 and fifth["reason"].startswith("cooldown")


def test_a_bridge_that_never_joins_is_stopped_again(tmp_path):
    cluster = Cluster(tmp_path)
    scaler = cluster.scaler()
    cluster.answers["jvb1"] = stats(0.95, 5, 20)
    cluster.steps(scaler, 2)
    cluster.steps(scaler, 16)  # 32 s > start_timeout 30
    assert cluster.calls == [("start", "jvb2"), ("stop", "jvb2")]
    assert scaler.counters["up_failed"] == 1 and "not joined after 30 s" in scaler.last["detail"]


def test_a_start_the_provider_refuses_is_counted_failed(tmp_path):
    cluster = Cluster(tmp_path)
    cluster.fail = "exit 1: refused"
    scaler = cluster.scaler()
    cluster.answers["jvb1"] = stats(0.95, 5, 20)
    cluster.steps(scaler, 2)
    assert scaler.action is None and scaler.counters["up_failed"] == 1
    assert scaler.last["detail"] == "start failed: exit 1: refused"


def test_scale_down_is_a_graceful_shutdown_then_the_provider(tmp_path):
    cluster = Cluster(tmp_path)
    cluster.answers.update(jvb1=stats(0.1, 1, 3), jvb2=stats(0.05, 1, 2))
    scaler = cluster.scaler()
    decisions = cluster.steps(scaler, 2)
    assert decisions[-1]["action"] == decide.DOWN_ACTION and cluster.calls == [("shutdown", "jvb2")]
    # Its conference goes on; the bridge says it shuts down gracefully.
    cluster.answers["jvb2"] = stats(0.05, 1, 2, graceful=True)
    assert cluster.steps(scaler, 1)[0]["reason"] == "one action at a time: jvb2 stopping"
    assert cluster.calls == [("shutdown", "jvb2")]
    cluster.answers["jvb2"] = None  # the last conference ended, the bridge exited
    cluster.steps(scaler, 1)
    assert cluster.calls == [("shutdown", "jvb2"), ("stop", "jvb2")]
    assert scaler.counters["down_done"] == 1 and scaler.action is None


def test_an_action_in_progress_survives_a_restart(tmp_path):
    cluster = Cluster(tmp_path)
    cluster.answers.update(jvb1=stats(0.1, 1, 3), jvb2=stats(0.05, 1, 2))
    scaler = cluster.scaler()
    cluster.steps(scaler, 2)
    saved = json.loads((tmp_path / "state.json").read_text())
    assert saved["action"]["bridge"] == "jvb2"
    cluster.answers["jvb2"] = None
    again = cluster.scaler()  # the service restarted; the bridge exited meanwhile
    cluster.steps(again, 1)
    assert cluster.calls[-1] == ("stop", "jvb2") and again.counters["down_done"] == 1
    assert again.memory["cooldown_until"] > cluster.now


def test_unknown_shard_state_blocks_scale_down(tmp_path):
    cluster = Cluster(tmp_path)
    cluster.answers.update(jvb1=stats(0.1, 1, 3), jvb2=stats(0.05, 0, 0))
    cluster.state = None
    decisions = cluster.steps(cluster.scaler(), 4)
    assert {d["action"] for d in decisions} == {decide.HOLD}
    assert decisions[-1]["inputs"]["shard_state"] == "unknown" and "drained" in decisions[-1]["reason"]


def test_metrics(tmp_path):
    cluster = Cluster(tmp_path)
    scaler = cluster.scaler()
    cluster.answers["jvb1"] = stats(0.95, 5, 20)
    cluster.steps(scaler, 2)
    text = metrics.render(scaler)
    assert 'jitsi_autoscaler_running_bridges{shard="a"} 1\n' in text
    assert 'jitsi_autoscaler_desired_bridges{shard="a"} 1\n' in text  # jvb2 is not observed starting yet
    assert 'jitsi_autoscaler_standby_bridges{shard="a"} 2\n' in text
    assert 'jitsi_autoscaler_action_in_progress{shard="a",action="up",bridge="jvb2",reason="average stress 0.95 above 0.8 for 2 intervals"} 1' in text
    assert 'jitsi_autoscaler_decisions_total{shard="a",action="up"} 1' in text
    cluster.answers["jvb2"] = stats(0.0)
    cluster.steps(scaler, 1)
    text = metrics.render(scaler)
    assert 'jitsi_autoscaler_actions_total{shard="a",action="up",result="done"} 1' in text
    assert 'jitsi_autoscaler_last_action_info{shard="a",action="up",bridge="jvb2",result="done",' in text
    assert "# TYPE jitsi_autoscaler_actions_total counter" in text


def test_systemd_provider_asks_the_forced_command_one_word():
    calls = []
    provider = providers.provider(CONFIG, run=calls.append)
    provider.start(CONFIG["bridges"][1])
    provider.stop(CONFIG["bridges"][1])
    assert [c[-2:] for c in calls] == [["10.99.0.2", "start"], ["10.99.0.2", "stop"]]
    assert calls[0][:6] == ["ssh", "-n", "-T", "-i", "/k", "-l"] and "StrictHostKeyChecking=yes" in calls[0]
    assert "UserKnownHostsFile=/kh" in calls[0] and "BatchMode=yes" in calls[0]


def test_command_provider_quotes_every_value():
    calls = []
    config = dict(CONFIG, provider="command", commands={"start": "wake {host} {address} {slot} {shard}",
                                                        "stop": "poweroff --host={overlay_address}"})
    provider = providers.provider(config, run=calls.append)
    bridge = dict(CONFIG["bridges"][0], host="jvb1; rm -rf /")
    provider.start(bridge)
    provider.stop(bridge)
    assert calls == [["/bin/sh", "-c", "wake 'jvb1; rm -rf /' 192.0.2.1 1 a"],
                     ["/bin/sh", "-c", "poweroff --host=10.99.0.1"]]


def test_provider_errors_say_what_the_command_answered(tmp_path):
    script = tmp_path / "fail"
    script.write_text("#!/bin/sh\necho 'refused: no' >&2\nexit 1\n")
    script.chmod(0o755)
    try:
        providers._run([str(script)])
    except providers.ProviderError as exc:
        assert str(exc) == "exit 1: refused: no"
    else:
        raise AssertionError("a failing command must raise")
