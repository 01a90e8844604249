"""Day-2 safety: a deleted vx0 is reported, then rebuilt by a run; one run at a time."""

import json
import os
import pathlib
import shlex
import subprocess
import time

from testlib import host, poll

testinfra_hosts = ["ansible://lab-haproxy1"]
ROOT = pathlib.Path(__file__).resolve().parents[3]
VICTIM = "lab-b-jvb2"


def _playbook(name, *extra):
    # The whole inventory directory: molecule's generated file plus the linked lab inventory.
    inventory = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
    cmd = ["ansible-playbook", "-i", inventory, str(ROOT / "playbooks" / name), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def test_a_deleted_vx0_is_flagged_by_the_summary_and_rebuilt_by_the_next_run():
    victim = host(VICTIM)
    vx_address = victim.check_output("ip -o -4 addr show dev vx0").split()[3].split("/")[0]
    victim.run("ip link del vx0")
    # Its unit still says all is well: that is why the role and the summary look at the link.
    assert victim.run("systemctl is-active jitsi-shards-vxlan.service").stdout.strip() == "active"

    summary = _playbook("summary.yml")
    assert f"UNHEALTHY: overlay: {VICTIM}: vx0 is missing or down" in summary.stdout, summary.stdout[-3000:]
    assert f"no answer over vx0 from {VICTIM}" in summary.stdout, summary.stdout[-3000:]
    assert "all shards healthy" not in summary.stdout

    repair = _playbook("overlay.yml")
    assert repair.returncode == 0, repair.stdout[-3000:] + repair.stderr[-2000:]
    recap = [line for line in repair.stdout.splitlines() if line.startswith(VICTIM) and " ok=" in line]
    assert recap and " changed=0 " not in recap[0], recap
    peer = host("lab-a-jvb1")
    answered = poll(lambda: peer.run(f"ping -c 1 -W 2 -I vx0 {vx_address}").rc, lambda rc: rc == 0, timeout=20)
    assert answered == 0
    assert victim.run("/usr/local/sbin/jitsi-shards-vxlan check").rc == 0


LOCK = "/var/lib/jitsi-shards/run.lock"


def _hold_lock(since):
    """Leave a lock as a run on another controller would (lab-haproxy1: the first HAProxy node)."""
    holder = {"user": "alice", "controller": "other-laptop", "pid": 4242, "playbook": "rolling-upgrade.yml",
              "since": since}
    host("lab-haproxy1").check_output(
        f"mkdir -p {LOCK} && printf '%s\\n' {shlex.quote(json.dumps(holder))} >{LOCK}/holder")


def test_a_second_run_is_refused_and_a_stale_lock_is_taken_over():
    state = host("lab-b-signal").file("/etc/jitsi-shards/shard-state")
    try:
        _hold_lock(int(time.time()) - 60)
        refused = _playbook("front-drain.yml", "-e", "jitsi_front_shard=b", "-e", "jitsi_front_state=drain")
        output = refused.stdout + refused.stderr  # ansible-core prints task errors on stderr
        assert refused.returncode != 0
        assert "Another run holds this cluster's lock: alice@other-laptop (pid 4242, rolling-upgrade.yml), " \
               "since 0 h 1 min ago" in output, output[-3000:]
        assert state.content_string.strip() == "ready", "a refused run changed something"

        _hold_lock(int(time.time()) - 50000)
        taken = _playbook("front-drain.yml", "-e", "jitsi_front_shard=b", "-e", "jitsi_front_state=ready")
        assert taken.returncode == 0, taken.stdout[-3000:] + taken.stderr[-2000:]
        assert "stale run lock of alice@other-laptop" in taken.stdout
        assert not host("lab-haproxy1").file(LOCK).exists, "the run did not release its lock"
    finally:
        host("lab-haproxy1").run(f"rm -rf {LOCK}")
