"""site.yml built the lab topology; rolling upgrades kept every call and a shard always ready."""

import collections
import ipaddress
import json
import os
import pathlib

from testlib import ask_fronts, host, poll, request

testinfra_hosts = ["ansible://lab-haproxy1"]
EPHEMERAL = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
BRIDGES = ["lab-a-jvb1", "lab-a-jvb2", "lab-b-jvb1", "lab-b-jvb2"]


def _record():
    return json.loads((EPHEMERAL / "upgrade.json").read_text())


def test_site_printed_a_healthy_summary():
    log = (EPHEMERAL / "ansible.log").read_text()
    assert "shard a [eu] signal lab-a-signal: 2/2 bridges registered, 2 operational" in log
    assert "shard b [us] signal lab-b-signal: 2/2 bridges registered, 2 operational" in log
    assert "all shards healthy" in log


def test_private_only_bridge_is_healthy_and_advertises_its_mapped_address():
    node = host("lab-b-jvb1")
    addresses = node.check_output("hostname -I").split()
    assert addresses and all(ipaddress.ip_address(a).is_private for a in addresses), addresses

    def state():
        return json.loads(request(node, "http://127.0.0.1:8080/test/state")[1])

    # The bridge's own health check has run at least once (its first comes an interval after start).
    found = poll(state, lambda s: s["health"]["checks"] >= 1, timeout=90, interval=5)
    assert found["health"]["success"], found["health"]
    mapped = [c for c in found["candidates"] if c["type"] == "srflx"]
    assert {c["ip"] for c in mapped} == {"203.0.113.21"}, found["candidates"]


def test_rolling_upgrade_put_both_shards_on_the_new_release():
    record = _record()
    assert record["upgrade_rc"] == 0, record
    versions = "\n".join(record["versions"])
    assert versions.count("jitsi-videobridge2 2.3-9002-g1b2c3d4e5-1") == len(BRIDGES), versions
    assert versions.count("jicofo 1.0-9002-1") == 2, versions


def test_no_conference_was_interrupted():
    for name in BRIDGES:
        state = json.loads(host(name).file("/var/lib/jitsi-videobridge/standin-state.json").content_string)
        assert state["opened"] == 2 and state["completed"] == 2 and state["interrupted"] == 0, (name, state)


def test_a_shard_was_ready_on_both_fronts_at_every_moment():
    lines = [json.loads(line) for line in (EPHEMERAL / "probe.jsonl").read_text().splitlines()]
    assert len(lines) >= 40, len(lines)
    failed = [entry for entry in lines if entry["status"] != 200]
    assert not failed, failed[:5]
    by_front = collections.Counter(entry["front"] for entry in lines)
    assert set(by_front) == {"lab-haproxy1", "lab-haproxy2"}


def test_broken_release_stopped_at_the_first_shard_and_left_it_drained():
    record = _record()
    assert record["broken_rc"] != 0
    assert "Upgrade of shard a failed" in record["broken_out"] and "left DRAINED" in record["broken_out"]
    # Shard b was never touched, and took every new room while shard a stayed drained.
    assert host("lab-b-jvb1").package("jitsi-videobridge2").version == "2.3-9002-g1b2c3d4e5-1"
    rooms = record["after_broken_rooms"]
    assert len(rooms) == 40 and set(rooms) == {"shard_b"}, collections.Counter(rooms)


def test_a_failed_upgrade_leaves_packages_held_and_package_scripts_free():
    for name, lines in _record()["after_broken_holds"].items():
        want = ["jitsi-videobridge2"] if "jvb" in name else ["jicofo", "jitsi-meet-prosody", "jitsi-meet-web", "jitsi-meet-web-config"]
        assert set(want) <= set(lines), (name, lines)
        assert "policy-rc.d" not in lines, name


def test_rollback_puts_the_shard_back_held_and_serving():
    record = _record()
    assert record["rollback_rc"] == 0, record["rollback_out"]
    for name, lines in record["after_rollback"].items():
        lines = [line.strip() for line in lines]
        if "jvb" in name:
            assert "jitsi-videobridge2 2.3-9002-g1b2c3d4e5-1 hi" in lines, (name, lines)
            assert "jitsi-videobridge2" in lines, (name, lines)  # apt-mark showhold
        else:
            assert "jicofo 1.0-9002-1 hi" in lines, (name, lines)
    # Undrained, with its bridges registered: new rooms reach shard a again.
    rooms = [f"after-rollback-{i}" for i in range(40)]
    shards = [seen[0] for seen in ask_fronts(host("lab-haproxy1"), rooms, ["lab-haproxy1", "lab-haproxy2"])]
    assert "shard_a" in shards, collections.Counter(shards)
