"""Faults: parsing, templating, and running the command at its time (a harmless echo)."""

import asyncio
import time

import pytest

from jitsi_shards_loadtest import faults


def test_fault_specs():
    assert faults.parse_fault("stop-front=lab-haproxy1@60") == {"kind": "stop-front", "target": "lab-haproxy1",
                                                                 "at": 60.0, "after_joined": False}
    assert faults.parse_fault("drain-shard=eu1@2.5")["at"] == 2.5
    assert faults.parse_fault("stop-front=h@+5") == {"kind": "stop-front", "target": "h", "at": 5.0, "after_joined": True}
    for bad in ("stop-front=lab-haproxy1", "reboot=x@1", "drain-shard=@3", "stop-front=x@soon", "stop-front=x@+",
                "stop-front=x@-3"):
        with pytest.raises(ValueError, match="--fault"):
            faults.parse_fault(bad)


def test_commands_fill_the_kind_field():
    commands = faults.parse_commands(["stop-front=docker stop {front}",
                                      "drain-shard=ansible-playbook playbooks/front-drain.yml -e jitsi_front_shard={shard}"])
    assert faults.command_for(faults.parse_fault("stop-front=lab-haproxy1@1"), commands) == "docker stop lab-haproxy1"
    assert faults.command_for(faults.parse_fault("drain-shard=a@1"), commands).endswith("jitsi_front_shard=a")
    with pytest.raises(ValueError, match="needs --fault-command"):
        faults.command_for(faults.parse_fault("stop-front=x@1"), {})
    with pytest.raises(ValueError):
        faults.parse_commands(["stop-front"])


def test_inject_runs_the_command_at_its_time():
    log = []
    origin = time.monotonic()
    asyncio.run(faults.inject({"kind": "stop-front", "target": "h", "at": 0.2}, "echo stopping h", origin, log))
    assert log[0]["rc"] == 0 and log[0]["output"] == "stopping h\n" and log[0]["started"] >= 0.2


def test_an_after_joined_fault_waits_for_everyone_then_its_delay():
    log = []

    async def scenario():
        joined = asyncio.Event()
        task = asyncio.ensure_future(faults.inject(faults.parse_fault("stop-front=h@+0.1"), "echo stopping h",
                                                   time.monotonic(), log, joined))
        await asyncio.sleep(0.3)
        assert log == []  # the start is long past, but not everyone is in yet
        joined.set()
        mark = time.monotonic()
        await task
        return time.monotonic() - mark

    assert asyncio.run(scenario()) >= 0.1 and log[0]["output"] == "stopping h\n"


def test_a_join_fails_over_when_its_front_is_gone_not_when_it_answers():
    from jitsi_shards_loadtest.participant import fails_over
    assert fails_over("connect", "refused", 2) and fails_over("connect", "timeout", 2)
    # A front stopped part-way through the join closes or resets the connection.
    assert fails_over("auth", "closed", 2) and fails_over("focus", "reset", 2)
    # Answers and a slow cluster are errors; with one front there is nowhere to go.
    assert not fails_over("connect", "http-503", 2)
    assert not fails_over("focus", "timeout", 2)
    assert not fails_over("muc", "xmpp-forbidden", 2)
    assert not fails_over("auth", "closed", 1)
