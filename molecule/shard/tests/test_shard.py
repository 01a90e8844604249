"""Each shard's bridges really register with their own shard's Jicofo, inside the pool."""

import json

import pytest

from conftest import DOMAIN, POOL_SIZE, SHARDS, get_json, poll
from testlib import derived_secrets, leaks
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
        lambda r: _ok(r) and json.loads(r[1])["bridge_count"] == want,
    )
    assert status == 200, body
    stats = json.loads(body)
    assert stats["bridge_count"] == want, stats
    other = [s for s in SHARDS if s != shard][0]
    names = json.dumps(stats)
    for bridge in SHARDS[other]["bridges"]:
        assert bridge not in names


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


def test_bridge_outside_the_pool_refused_before_any_host_changed(ephemeral):
    out = (ephemeral / "outside-pool.out").read_text()
    assert "shard-a-jvb3" in out
    assert "jitsi_bridge_slot" in out
    # Validation is the first play: nothing ran on any host.
    assert "changed=1" not in out and "changed=2" not in out


HANDSHAKE = r"""
import hashlib, re, socket, sys
jid, secret = sys.argv[1], sys.argv[2]
s = socket.create_connection(("127.0.0.1", 5347), timeout=10)
s.sendall(("<stream:stream xmlns='jabber:component:accept' "
           "xmlns:stream='http://etherx.jabber.org/streams' to='%s'>" % jid).encode())
data = b""
while b"id=" not in data:
    data += s.recv(4096)
sid = re.search(rb"id=['\"]([^'\"]+)['\"]", data).group(1).decode()
s.sendall(("<handshake>%s</handshake>" % hashlib.sha1((sid + secret).encode()).hexdigest()).encode())
reply = b""
try:
    while b"handshake" not in reply and b"error" not in reply:
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
except socket.timeout:
    pass
print("accepted" if b"<handshake/>" in reply or b"<handshake></handshake>" in reply else "refused")
"""


def test_component_handshake_with_slot_secret(inventory_filters, seed):
    host = _host(SHARDS["b"]["signal"])
    # Slot 3 is in the pool but no bridge holds it, so the handshake is ours to make.
    pool = inventory_filters.bridge_pool("b", POOL_SIZE, DOMAIN, seed, "component")
    slot = [s for s in pool if s["slot"] == 3][0]
    good = host.check_output("python3 -c %s %s %s", HANDSHAKE, slot["jid"], slot["secret"])
    assert good == "accepted"
    bad = host.check_output("python3 -c %s %s %s", HANDSHAKE, slot["jid"], slot["secret"] + "x")
    assert bad == "refused"


def test_no_secret_in_any_log(seed, ephemeral):
    secrets = derived_secrets(seed, {name: info["mode"] for name, info in SHARDS.items()}, POOL_SIZE, DOMAIN)
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
