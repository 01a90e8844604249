import os
import socket

import jitsi_lock as lock

NOW = 1_800_000_000
ME = {"user": "bob", "controller": "ci", "pid": 42, "playbook": "site.yml", "since": NOW}


def _held(**extra):
    return {"user": "alice", "controller": "laptop", "pid": 7, "playbook": "rolling-upgrade.yml", "since": NOW - 600, **extra}


def test_a_live_run_elsewhere_is_refused_with_its_holder_and_the_way_out():
    result = lock.verdict(_held(), ME, NOW, 43200, None)
    assert not result["take"]
    assert "alice@laptop (pid 7, rolling-upgrade.yml), since 0 h 10 min ago" in result["message"]
    assert "jitsi_lock_break=true" in result["message"]


def test_a_lock_whose_run_ended_on_this_controller_is_stale():
    result = lock.verdict(_held(), ME, NOW, 43200, False)
    assert result["take"] and "that run has ended" in result["message"]


def test_an_old_lock_from_another_controller_is_stale():
    result = lock.verdict(_held(since=NOW - 50000), ME, NOW, 43200, None)
    assert result["take"] and "13 h 53 min ago" in result["message"]


def test_an_unreadable_lock_is_taken():
    assert lock.verdict(None, ME, NOW, 43200, None)["take"]


def test_alive_here_looks_at_this_controllers_processes_only():
    assert lock.alive_here({"controller": "surely-not-" + socket.gethostname(), "pid": os.getpid()}) is None
    # pytest is not ansible-playbook: a holder pid of a non-ansible process is not alive.
    assert lock.alive_here({"controller": socket.gethostname(), "pid": os.getpid()}) is False
    assert lock.alive_here({"controller": socket.gethostname(), "pid": 0}) is False


def test_holder_names_this_run():
    me = lock.holder(NOW)
    assert me["controller"] == socket.gethostname() and me["since"] == NOW
    assert me["pid"] == 0 and me["playbook"] == "?"  # not under ansible-playbook here


def test_parse_reads_a_holder_or_nothing():
    assert lock.parse('{"user": "alice"}') == {"user": "alice"}
    assert lock.parse("garbage") is None and lock.parse("[1]") is None and lock.parse(None) is None
