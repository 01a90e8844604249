"""The autoscaler's decision: band, hysteresis, cooldown, min/max, one action at a time, drained
shard, last bridge with conferences (roles/jitsi_autoscaler/files/.../decide.py)."""

import pytest

import decide

SETTINGS = {"min": 1, "max": 3, "high": 0.8, "low": 0.3, "periods": 3, "cooldown": 60}


def bridge(host, state=decide.RUNNING, stress=0.5, conferences=1, participants=4, slot=None):
    return {"host": host, "slot": slot or int(host[-1]), "state": state, "stress": stress,
            "conferences": conferences, "participants": participants}


def run(bridges, intervals, memory=None, settings=SETTINGS, now=1000.0, drained=False):
    """Decide `intervals` times in a row on the same observation; the decisions and the memory."""
    memory = memory or decide.new_memory()
    decisions = []
    for number in range(intervals):
        decision, memory = decide.decide(settings, bridges, memory, now + number, drained)
        decisions.append(decision)
    return decisions, memory


def test_inside_the_band_nothing_happens():
    decisions, memory = run([bridge("jvb1", stress=0.5), bridge("jvb2", state=decide.DOWN)], 10)
    assert {d["action"] for d in decisions} == {decide.HOLD}
    assert "inside the band 0.3..0.8" in decisions[-1]["reason"]
    assert memory["above"] == memory["below"] == 0


def test_scale_up_only_after_n_intervals_above_high():
    bridges = [bridge("jvb1", stress=0.95), bridge("jvb2", state=decide.DOWN), bridge("jvb3", state=decide.DOWN)]
    decisions, memory = run(bridges, 3)
    assert [d["action"] for d in decisions] == [decide.HOLD, decide.HOLD, decide.UP]
    assert "for 2/3 intervals" in decisions[1]["reason"]
    # The lowest standby slot starts; the counters start again after an action.
    assert decisions[2]["bridge"] == "jvb2" and "above 0.8 for 3 intervals" in decisions[2]["reason"]
    assert memory["above"] == 0
    assert decisions[2]["inputs"]["average_stress"] == 0.95 and decisions[2]["inputs"]["standby"] == 2


def test_hysteresis_a_dip_into_the_band_restarts_the_count():
    hot = [bridge("jvb1", stress=0.9), bridge("jvb2", state=decide.DOWN)]
    calm = [bridge("jvb1", stress=0.7), bridge("jvb2", state=decide.DOWN)]
    memory = decide.new_memory()
    actions = []
    for observed in (hot, hot, calm, hot, hot):
        decision, memory = decide.decide(SETTINGS, observed, memory, 0.0)
        actions.append(decision["action"])
    assert actions == [decide.HOLD] * 5 and memory["above"] == 2


def test_the_average_of_the_running_bridges_counts():
    # One hot bridge and one idle one: 0.5 average, inside the band.
    bridges = [bridge("jvb1", stress=0.9), bridge("jvb2", stress=0.1), bridge("jvb3", state=decide.DOWN)]
    decisions, _ = run(bridges, 5)
    assert {d["action"] for d in decisions} == {decide.HOLD}


def test_scale_down_the_least_loaded_after_n_intervals_below_low():
    bridges = [bridge("jvb1", stress=0.1, participants=6), bridge("jvb2", stress=0.05, participants=2),
               bridge("jvb3", stress=0.0, conferences=0, participants=0)]
    decisions, _ = run(bridges, 3)
    assert [d["action"] for d in decisions] == [decide.HOLD, decide.HOLD, decide.DOWN_ACTION]
    assert decisions[-1]["bridge"] == "jvb3"


def test_cooldown_after_an_action():
    bridges = [bridge("jvb1", stress=0.95), bridge("jvb2", state=decide.DOWN)]
    memory = dict(decide.new_memory(), cooldown_until=1030.0)
    decisions, memory = run(bridges, 5, memory)
    assert {d["action"] for d in decisions} == {decide.HOLD}
    assert "cooldown: 30 s left" in decisions[0]["reason"]
    # The evidence keeps counting: at the end of the cooldown it acts at once.
    decision, _ = decide.decide(SETTINGS, bridges, memory, 1030.0)
    assert decision["action"] == decide.UP


def test_one_action_at_a_time():
    for busy in (decide.STARTING, decide.STOPPING):
        bridges = [bridge("jvb1", stress=0.99), bridge("jvb2", state=busy), bridge("jvb3", state=decide.DOWN)]
        decisions, _ = run(bridges, 6)
        assert {d["action"] for d in decisions} == {decide.HOLD}
        assert decisions[-1]["reason"] == f"one action at a time: jvb2 {busy}"


def test_never_above_max_nor_below_min():
    hot = [bridge("jvb1", stress=0.99), bridge("jvb2", stress=0.99), bridge("jvb3", state=decide.DOWN)]
    decisions, _ = run(hot, 4, settings=dict(SETTINGS, max=2))
    assert {d["action"] for d in decisions} == {decide.HOLD} and "but at max 2" in decisions[-1]["reason"]
    idle = [bridge("jvb1", stress=0.0, conferences=0, participants=0), bridge("jvb2", state=decide.DOWN)]
    decisions, _ = run(idle, 4)
    assert {d["action"] for d in decisions} == {decide.HOLD} and "but at min 1" in decisions[-1]["reason"]


def test_min_and_max_are_restored_without_waiting():
    # A running bridge died: below min, a standby starts at once (no hysteresis, no cooldown).
    memory = dict(decide.new_memory(), cooldown_until=5000.0)
    decision, _ = decide.decide(dict(SETTINGS, min=2), [bridge("jvb1"), bridge("jvb2", state=decide.DOWN)],
                                memory, 1000.0)
    assert (decision["action"], decision["bridge"]) == (decide.UP, "jvb2") and "below min 2" in decision["reason"]
    # More running than max (max lowered): the least loaded goes.
    three = [bridge("jvb1", participants=9), bridge("jvb2", participants=1), bridge("jvb3", participants=5)]
    decision, _ = decide.decide(dict(SETTINGS, max=2), three, memory, 1000.0)
    assert (decision["action"], decision["bridge"]) == (decide.DOWN_ACTION, "jvb2")


def test_no_standby_left():
    bridges = [bridge("jvb1", stress=0.99), bridge("jvb2", state="unavailable")]
    decisions, _ = run(bridges, 3)
    assert decisions[-1]["action"] == decide.HOLD and "no standby bridge left" in decisions[-1]["reason"]


def test_a_drained_shard_is_never_scaled_down():
    idle = [bridge("jvb1", stress=0.0), bridge("jvb2", stress=0.0, conferences=0, participants=0)]
    decisions, _ = run(idle, 5, drained=True)
    assert {d["action"] for d in decisions} == {decide.HOLD}
    assert "the shard is drained" in decisions[-1]["reason"]
    decision, _ = decide.decide(dict(SETTINGS, max=1), idle, decide.new_memory(), 0.0, drained=True)
    assert decision["action"] == decide.HOLD and "drained" in decision["reason"]
    # Scaling up still happens: a drained shard keeps its sticky rooms.
    hot = [bridge("jvb1", stress=0.99), bridge("jvb2", state=decide.DOWN)]
    decisions, _ = run(hot, 3, drained=True)
    assert decisions[-1]["action"] == decide.UP


def test_never_the_last_bridge_with_conferences():
    # min 0: the idle one may go; the one holding every conference may not.
    settings = dict(SETTINGS, min=0)
    one = [bridge("jvb1", stress=0.01, conferences=1, participants=2)]
    decisions, _ = run(one, 5, settings=settings)
    assert {d["action"] for d in decisions} == {decide.HOLD}
    assert "the last bridge with conferences" in decisions[-1]["reason"]
    two = [bridge("jvb1", stress=0.01, conferences=1, participants=2),
           bridge("jvb2", stress=0.02, conferences=0, participants=0)]
    decisions, _ = run(two, 3, settings=settings)
    # jvb2 has more stress but no conference: jvb1 is the last bridge with conferences.
    assert (decisions[-1]["action"], decisions[-1]["bridge"]) == (decide.DOWN_ACTION, "jvb2")


def test_no_scale_down_that_would_overload_the_others():
    settings = dict(SETTINGS, low=0.5, high=0.6)
    bridges = [bridge("jvb1", stress=0.45), bridge("jvb2", stress=0.45)]
    decisions, _ = run(bridges, 3, settings=settings)
    assert decisions[-1]["action"] == decide.HOLD and "the others would reach 0.90" in decisions[-1]["reason"]


@pytest.mark.parametrize("state", [decide.DOWN, "unavailable"])
def test_bridges_that_do_not_run_do_not_count_in_the_average(state):
    bridges = [bridge("jvb1", stress=0.9), bridge("jvb2", state=state, stress=0.0)]
    decision, memory = decide.decide(SETTINGS, bridges, decide.new_memory(), 0.0)
    assert decision["inputs"]["average_stress"] == 0.9 and memory["above"] == 1
