"""Day 2 with faults: a deleted vx0 is reported, then rebuilt by the next site.yml, which a
host that is down does not stop, and which changes nothing anywhere else; one run at a time."""

import json
import os
import pathlib
import shlex
import subprocess
import time

from testlib import HOSTS_FILE_TASK, changed_tasks, host, poll, request

testinfra_hosts = ["ansible://lab-haproxy1"]
ROOT = pathlib.Path(__file__).resolve().parents[3]
BROKEN_LINK = "lab-b-jvb2"   # its vx0 is deleted
DOWN = "lab-a-jvb2"          # its container is stopped during site.yml
# The release side_effect.yml left the cluster at (site.yml refuses a version drift).
AT_NEW_RELEASE = ["-e", "jitsi_videobridge_version=2.3-9002-g1b2c3d4e5-1", "-e", "jitsi_jicofo_version=1.0-9002-1",
                  "-e", "jitsi_web_version=1.0.9002-1", "-e", "jitsi_prosody_plugins_version=1.0.9002-1"]


RESTARTED_BY_DOCKER = ("lab-haproxy1", "lab-haproxy2")   # by test_front.py and test_load.py


def _playbook(name, *extra):
    # The whole inventory directory: molecule's generated file plus the linked lab inventory,
    # and the fact cache molecule's runs filled (a host that is down keeps its cached address).
    inventory = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
    env = dict(os.environ, ANSIBLE_CACHE_PLUGIN="jsonfile",
               ANSIBLE_CACHE_PLUGIN_CONNECTION=os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "facts"))
    cmd = ["ansible-playbook", "-i", inventory, str(ROOT / "playbooks" / name), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)


def _operational(signal):
    stats = json.loads(request(host(signal), "http://127.0.0.1:8888/stats")[1] or "{}")
    return (stats.get("bridge_selector") or {}).get("operational_bridge_count")


def test_a_deleted_vx0_is_flagged_then_rebuilt_by_site_yml_while_a_host_is_down():
    broken = host(BROKEN_LINK)
    vx_address = broken.check_output("ip -o -4 addr show dev vx0").split()[3].split("/")[0]
    key_of_down = host(DOWN).check_output("wg show wg0 public-key")
    broken.run("ip link del vx0")
    # Its unit still says all is well: that is why the role and the summary look at the link.
    assert broken.run("systemctl is-active jitsi-shards-vxlan.service").stdout.strip() == "active"

    summary = _playbook("summary.yml")
    assert f"UNHEALTHY: overlay: {BROKEN_LINK}: vx0 is missing or down" in summary.stdout, summary.stdout[-3000:]
    assert f"no answer over vx0 from {BROKEN_LINK}" in summary.stdout, summary.stdout[-3000:]
    assert "all shards healthy" not in summary.stdout

    subprocess.run(["docker", "stop", DOWN], check=True, capture_output=True)
    try:
        site = _playbook("site.yml", *AT_NEW_RELEASE)
        recap = {line.split()[0]: line for line in site.stdout.splitlines() if " : ok=" in line}
        assert site.returncode != 0 and " unreachable=1 " in recap[DOWN], site.stdout[-3000:] + site.stderr[-3000:]
        # Every other host converged: the firewall and WireGuard kept the stopped host with its
        # cached address and key, and nothing failed because of it.
        others = {name: line for name, line in recap.items() if name != DOWN}
        assert len(others) == 7 and all(" failed=0 " in l and " unreachable=0 " in l for l in others.values()), \
            (recap, site.stderr[-3000:])
        assert " changed=0 " not in recap[BROKEN_LINK], recap[BROKEN_LINK]
        # The same run is the scenario's idempotence check, after the upgrades, the broken release
        # and the rollback (the packages' postinsts patched the roles' files on the way; the
        # playbooks put them back) and after the front door's faults: nothing else changes, and
        # a host that is down changes nothing on its peers. Docker rewrites /etc/hosts when it
        # starts a container (the front door's tests restarted both HAProxy nodes), so that file
        # alone may be written again there.
        changed = {(task, name) for task, name in changed_tasks(site.stdout) if name not in (BROKEN_LINK, DOWN)}
        assert changed <= {(HOSTS_FILE_TASK, front) for front in RESTARTED_BY_DOCKER}, changed
        assert key_of_down in host("lab-a-jvb1").check_output("wg show wg0 peers")
        # The summary still printed, naming the host that was down, and no longer the repaired link.
        assert f"UNHEALTHY: {DOWN} failed or was unreachable in this run" in site.stdout, site.stdout[-3000:]
        unhealthy = [line for line in site.stdout.splitlines() if "UNHEALTHY" in line]
        assert not any(f"{BROKEN_LINK}: vx0" in line or f"from {BROKEN_LINK}" in line for line in unhealthy), unhealthy
        assert broken.run("/usr/local/sbin/jitsi-shards-vxlan check").rc == 0
        assert host("lab-a-jvb1").run(f"ping -c 1 -W 2 -I vx0 {vx_address}").rc == 0
    finally:
        subprocess.run(["docker", "start", DOWN], check=True, capture_output=True)
    # The stopped host comes back by itself (units enabled) and its bridge registers again.
    assert poll(lambda: _operational("lab-a-signal"), lambda n: n == 2, timeout=120, interval=3) == 2


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
