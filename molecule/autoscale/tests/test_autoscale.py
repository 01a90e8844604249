"""Acceptance of bridge autoscaling (issue 18): load brings standbys up one at a time, they
register and take conferences; idle shuts them down gracefully after the cooldown, down to min;
the forced-command key can do nothing else."""

import pytest

from testlib import changed_tasks, host as _host

testinfra_hosts = ["ansible://as-jvb1"]
# jitsi_autoscale.periods of molecule.yml.
PERIODS = 2


def test_shard_yml_after_site_yml_changes_nothing_and_leaves_the_standbys_stopped(run):
    recap = [line for line in run["shard_rerun"].splitlines() if " : ok=" in line]
    assert len(recap) == 4 and all(" changed=0 " in line and " failed=0 " in line for line in recap), \
        (recap, changed_tasks(run["shard_rerun"]))
    for unit in run["standby_units"]:
        assert "ActiveState=inactive" in unit and "UnitFileState=disabled" in unit, unit


def test_load_starts_standbys_that_take_the_next_conferences(run):
    assert run["picks"] == ["as-jvb2", "as-jvb3"], (run["picks"], run["pick_views"])
    times = run["times"]
    # Stress is sampled every 10 s, then `periods` intervals, then the bridge's start and join.
    assert times["second"] - times["load"] < 45, times
    assert times["third"] - times["second"] < 45, times


def test_scale_up_waited_for_the_hysteresis_and_one_action_at_a_time(decisions):
    ups = [d for kind, d in decisions if kind == "decision" and d["action"] == "up"]
    assert [d["bridge"] for d in ups] == ["as-jvb2", "as-jvb3"], ups
    for decision in ups:
        assert decision["inputs"]["above"] >= PERIODS and decision["inputs"]["average_stress"] > 0.8
        assert decision["inputs"]["busy"] == []


def test_idle_shuts_bridges_down_gracefully_one_at_a_time_after_the_cooldown(run, decisions):
    records = [(kind, d) for kind, d in decisions]
    downs = [i for i, (kind, d) in enumerate(records) if kind == "decision" and d["action"] == "down"]
    assert len(downs) == 2, [d for _, d in records if d.get("action") not in ("hold",)]
    done = [i for i, (kind, d) in enumerate(records) if kind == "action" and d["action"] == "down"]
    assert [records[i][1]["result"] for i in done] == ["done", "done"]
    # The second scale-down was decided only after the first had finished and its cooldown passed.
    assert downs[0] < done[0] < downs[1] < done[1]
    holds = [records[i][1]["reason"] for i in range(done[0] + 1, downs[1]) if records[i][0] == "decision"]
    assert any(r.startswith("cooldown") for r in holds), holds
    # The second went down while a conference was still on it: it waited in graceful shutdown.
    victim = records[downs[1]][1]
    assert victim["inputs"]["bridges"][victim["bridge"]]["conferences"] >= 1, victim
    assert any(r == f"one action at a time: {victim['bridge']} stopping" for r in holds + [
        records[i][1]["reason"] for i in range(downs[1] + 1, done[1]) if records[i][0] == "decision"])
    assert 'jitsi_autoscaler_running_bridges{shard="a"} 1' in run["metrics"]
    assert run["jicofo_end"]["bridge_count"] == 1 and run["jicofo_end"]["operational_bridge_count"] == 1


def test_no_conference_was_interrupted(run):
    counts = run["counts"]
    # 1 on the first bridge, 2 on the second, 1 on the third (side_effect.yml).
    assert sum(c["opened"] for c in counts.values()) == 4, counts
    assert all(c["interrupted"] == 0 for c in counts.values()), counts
    stopped = [h for h, unit in run["units"].items() if "ActiveState=inactive" in unit]
    assert len(stopped) == 2, run["units"]
    for name in stopped:
        assert counts[name]["opened"] == counts[name]["completed"], (name, counts[name])


def test_the_forced_command_key_can_ask_for_status_and_nothing_else(run):
    # systemctl is-active: exit 0 when active, 3 when not (the first bridge was shut down).
    assert run["ssh"]["status"]["stdout"] in ("active", "inactive"), run["ssh"]
    refused = run["ssh"]["id"]
    assert refused["rc"] != 0 and "uid=" not in refused["stdout"], refused
    assert "refused: this key may only ask for start, stop, status" in refused["stderr"], refused


def test_reaction_times_are_reported(run, capsys):
    t = run["times"]
    with capsys.disabled():
        print(f"\nautoscale: load -> 2nd bridge registered {t['second'] - t['load']:.1f} s; "
              f"-> 3rd {t['third'] - t['second']:.1f} s after the 2nd; idle -> first stopped "
              f"{t['first_stopped'] - t['idle']:.1f} s, -> min reached {t['min_reached'] - t['idle']:.1f} s")


@pytest.mark.parametrize("path, mode, owner", [
    ("/var/lib/jitsi-shards-bridge-power/.ssh/authorized_keys", 0o644, "root"),
    ("/etc/sudoers.d/jitsi-shards-bridge-power", 0o440, "root"),
    ("/usr/local/sbin/jitsi-shards-bridge-power", 0o755, "root"),
])
def test_the_power_account_cannot_change_what_it_may_do(path, mode, owner):
    f = _host("as-jvb1").file(path)
    assert f.exists and f.mode == mode and f.user == owner, path
    keys = _host("as-jvb1").file("/var/lib/jitsi-shards-bridge-power/.ssh/authorized_keys").content_string
    assert 'restrict,command="/usr/local/sbin/jitsi-shards-bridge-power",from="10.99.' in keys


def test_the_private_key_stays_with_the_autoscaler():
    signal = _host("as-signal")
    key = signal.file("/var/lib/jitsi-shards-autoscaler/a/id_ed25519")
    assert key.mode == 0o600 and key.user == "jitsi-autoscaler"
    # A line from the middle of the key (the first ones are the format's header and the public
    # key, the same in every ed25519 key file) is on no bridge: only the public key went there.
    line = key.content_string.splitlines()[3]
    for bridge in ("as-jvb1", "as-jvb2", "as-jvb3"):
        found = _host(bridge).run("grep -rlF -e %s /etc /var/lib /usr/local /root /home /srv /opt /tmp", line)
        # Plain values in the assertion: pytest would print the command, key included, on failure.
        status, holders = found.rc, found.stdout.split()
        assert status == 1 and holders == [], f"{bridge}: grep exited {status}, the private key is in {holders}"
