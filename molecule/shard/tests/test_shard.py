"""Each shard's bridges really register with their own shard's Jicofo, inside the pool."""

import json

import pytest

from conftest import DOMAIN, POOL_SIZE, SHARDS, get_json, poll
from testlib import HOSTS_FILE_TASK, changed_tasks, derived_secrets, leaks
from testlib import host as _host

testinfra_hosts = ["ansible://all"]


def _ok(result):
    return result[0] == 200


@pytest.mark.parametrize("shard", sorted(SHARDS))
def test_jicofo_sees_exactly_its_own_bridges(shard):
    host = _host(SHARDS[shard]["signal"])
    want = len(SHARDS[shard]["bridges"])
    status, body = poll(
        lambda: get_json(host, "http://127.0.0.1:8888/stats"),
        lambda r: _ok(r) and json.loads(r[1])["bridge_selector"]["operational_bridge_count"] == want,
    )
    assert status == 200, body
    selector = json.loads(body)["bridge_selector"]
    assert selector["bridge_count"] == want and selector["operational_bridge_count"] == want, selector


@pytest.mark.parametrize("shard", sorted(SHARDS))
def test_jicofo_healthy(shard):
    status, body = get_json(_host(SHARDS[shard]["signal"]), "http://127.0.0.1:8888/about/health")
    assert status == 200, body


@pytest.mark.parametrize("bridge", [b for s in SHARDS.values() for b in s["bridges"]])
def test_every_bridge_healthy(bridge):
    host = _host(bridge)
    status, body = poll(lambda: get_json(host, "http://127.0.0.1:8080/about/health"), _ok)
    assert status == 200, f"{bridge}: {body}"


def test_scaling_inside_the_pool_kept_prosody_running(scale_record):
    assert scale_record["before"] == scale_record["after"], scale_record
    assert int(scale_record["before"]) > 0
    assert scale_record["scaled_to"]["operational_bridge_count"] == 3, scale_record


# What a bridge joining shard A may change on the hosts already deployed: the lists that name
# the cluster's members. Anything else is a second run that is not idempotent (this run is the
# scenario's idempotence check, molecule/shard/side_effect.yml).
MEMBERSHIP_TASKS = {HOSTS_FILE_TASK}


def test_scaling_changed_nothing_else_on_the_hosts_already_deployed(scale_record):
    every = changed_tasks(scale_record["scale_output"])
    assert any(name == "shard-a-jvb3" for _, name in every), "the new bridge was not deployed by this run"
    changed = {(task, name) for task, name in every if name != "shard-a-jvb3"}
    assert {task for task, _ in changed} <= MEMBERSHIP_TASKS, sorted(changed)


def test_removed_bridge_finished_its_conference_and_stays_stopped(scale_record):
    state = scale_record["removed_state"]
    assert scale_record["remove_rc"] == 0, scale_record
    assert state["opened"] == 1 and state["completed"] == 1 and state["interrupted"] == 0, state
    unit = _host("shard-a-jvb3").service("jitsi-videobridge2")
    assert not unit.is_running and not unit.is_enabled


def test_bridge_outside_the_pool_refused_before_any_host_changed(ephemeral):
    out = (ephemeral / "outside-pool.out").read_text()
    assert "shard-a-jvb3" in out
    assert "jitsi_bridge_slot" in out
    # Validation is the first play: nothing ran on any host.
    assert "changed=1" not in out and "changed=2" not in out


LOGIN = r"""
import asyncio, ssl, sys
import slixmpp
client = slixmpp.ClientXMPP(sys.argv[1], sys.argv[2])
client.ssl_context.check_hostname = False
client.ssl_context.verify_mode = ssl.CERT_NONE
done = client.loop.create_future()
client.add_event_handler("session_start", lambda _: done.done() or done.set_result("accepted"))
client.add_event_handler("failed_all_auth", lambda _: done.done() or done.set_result("refused"))
client.connect(address=("127.0.0.1", 5222))
try:
    print(client.loop.run_until_complete(asyncio.wait_for(done, 20)))
except asyncio.TimeoutError:
    print("timeout")
client.disconnect()
"""


def test_unused_pool_slot_account_exists_with_its_derived_secret(inventory_filters, seed):
    host = _host(SHARDS["b"]["signal"])
    # Slot 3 is in the pool but no bridge holds it: its account is there, written up front.
    pool = inventory_filters.bridge_pool("b", POOL_SIZE, DOMAIN, seed)
    slot = [s for s in pool if s["slot"] == 3][0]
    assert host.check_output("python3 -c %s %s %s", LOGIN, slot["jid"], slot["secret"]) == "accepted"
    assert host.check_output("python3 -c %s %s %s", LOGIN, slot["jid"], slot["secret"] + "x") == "refused"


def test_nat_settings_reach_jvb_conf():
    mapped = _host("shard-a-jvb1").file("/etc/jitsi/videobridge/jvb.conf").content_string
    assert 'public-address = "198.51.100.11"' in mapped and "require-valid-address = true" in mapped
    assert "require-valid-address = false" in _host("shard-b-jvb1").file("/etc/jitsi/videobridge/jvb.conf").content_string


def test_no_secret_in_any_log(seed, ephemeral):
    secrets = derived_secrets(seed, SHARDS, POOL_SIZE, DOMAIN)
    leaked = leaks((ephemeral / "ansible.log").read_text(), secrets)
    assert not leaked, f"secrets printed in the converge log (label: text before it): {leaked}"


def test_secret_files_are_private(host):
    groups = host.ansible.get_variables()["group_names"]
    files = []
    if "jvb" in groups:
        files = [("/etc/jitsi/videobridge/jvb.conf", "jvb"), ("/etc/jitsi/videobridge/config", "jvb")]
    if "signal" in groups:
        files = [("/etc/jitsi/jicofo/jicofo.conf", "jicofo"), ("/etc/jitsi/jicofo/config", "jicofo"),
                 (f"/etc/prosody/conf.avail/{DOMAIN}.cfg.lua", "root")]
    for path, owner in files:
        f = host.file(path)
        assert f.exists, path
        assert f.mode == 0o640, path
        assert f.user == owner, path


def test_jitsi_packages_held(host):
    groups = host.ansible.get_variables()["group_names"]
    held = host.check_output("apt-mark showhold").split()
    if "jvb" in groups:
        assert "jitsi-videobridge2" in held
    if "signal" in groups:
        for pkg in ("jicofo", "jitsi-meet-web", "jitsi-meet-web-config", "jitsi-meet-prosody"):
            assert pkg in held
