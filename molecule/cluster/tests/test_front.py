"""Rooms stick to one shard through either HAProxy node; health, drain and undrain work.

Runs on the lab cluster after its rolling upgrades and rollback (side_effect.yml): both shards
serve again, so stickiness, failover and drain are tested on the production-shaped topology
(firewall and overlay on), not on a separate, smaller one."""

import collections
import csv
import json
import os
import pathlib
import subprocess
import time

import jitsi_front
from testlib import ask_fronts, haproxy_peers_synced, host, poll

testinfra_hosts = ["ansible://lab-haproxy1"]
ROOT = pathlib.Path(__file__).resolve().parents[3]
FRONTS = ["lab-haproxy1", "lab-haproxy2"]

def _ask(rooms, fronts=FRONTS):
    return ask_fronts(host("lab-haproxy1"), rooms, fronts)


def _playbook(name, *extra):
    # The whole inventory directory: molecule's generated file plus the linked lab inventory.
    inventory = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
    cmd = ["ansible-playbook", "-i", inventory, str(ROOT / "playbooks" / name), *extra]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_500_rooms_land_on_one_shard_whichever_front_is_asked():
    rooms = [f"Room%20{i}" if i % 3 == 0 else f"room-{i}" for i in range(500)]
    answers = _ask(rooms)
    mismatches = [(r, a) for r, a in zip(rooms, answers) if len(set(a)) != 1]
    assert not mismatches, mismatches[:5]
    shares = collections.Counter(a[0] for a in answers)
    assert set(shares) == {"shard_a", "shard_b"}, shares
    for shard, count in shares.items():
        assert 0.35 <= count / len(rooms) <= 0.65, shares
    pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "rooms.json").write_text(json.dumps(dict(zip(rooms, answers))))


def test_room_name_is_normalised():
    (upper,), (lower,) = _ask(["MixedCase%41"], FRONTS[:1]), _ask(["mixedcasea"], FRONTS[:1])
    assert upper == lower


def test_response_names_shard_and_region():
    client = host("lab-haproxy1")
    headers = client.check_output(
        "python3 -c %s",
        "import ssl,urllib.request;c=ssl._create_unverified_context();"
        "r=urllib.request.urlopen('https://lab-haproxy2/http-bind?room=hdr',context=c);"
        "print(r.headers['x-jitsi-shard'], r.headers['x-jitsi-region'])")
    shard, region = headers.split()
    assert {"shard_a": "eu", "shard_b": "us"}[shard] == region


def test_nginx_sees_the_client_address_not_the_front_door():
    # lab-haproxy1 is the client here; lab-haproxy2 forwards (option forwardfor) and the
    # shard's nginx trusts X-Forwarded-For from the HAProxy nodes only (real_ip).
    client_address = host("lab-haproxy1").check_output("hostname -I").split()[0]
    proxy_address = host("lab-haproxy2").check_output("hostname -I").split()[0]
    room = f"realip-{time.time_ns()}"
    (answer,) = _ask([room], FRONTS[1:])
    signal = host({"shard_a": "lab-a-signal", "shard_b": "lab-b-signal"}[answer[0]])
    lines = [line for line in signal.file("/var/log/nginx/access.log").content_string.splitlines() if room in line]
    assert lines and all(line.startswith(client_address + " ") for line in lines), (client_address, proxy_address, lines)


def test_stats_and_metrics_only_on_the_admin_address():
    node = host("lab-haproxy1")
    assert node.socket("tcp://127.0.0.1:8404").is_listening
    assert not node.socket("tcp://0.0.0.0:8404").is_listening
    metrics = node.check_output(
        "python3 -c %s",
        "import urllib.request;b=urllib.request.urlopen('http://127.0.0.1:8404/metrics').read().decode();"
        "print([l for l in b.splitlines() if l.startswith('haproxy_server_status{')])")
    assert 'server="shard_a"' in metrics and 'server="shard_b"' in metrics
    sock = node.file("/run/haproxy/admin.sock")
    assert sock.user == "root" and sock.mode == 0o600


def _stat(front):
    return host(front).check_output("echo 'show stat -1 4 -1' | socat -t 2 stdio /run/haproxy/admin.sock")


def _status(front, server):
    """First word of the server's status on one HAProxy node (UP, DOWN, DRAIN...)."""
    return jitsi_front.haproxy_server_status(_stat(front), "jitsi_shards", server)


def _full_status(front, server):
    """The whole status: "UP 3/5" is up but with failed checks counted against it."""
    rows = list(csv.DictReader(_stat(front)[2:].splitlines()))
    return next(r["status"] for r in rows if r["pxname"] == "jitsi_shards" and r["svname"] == server)


def _table_size(front):
    """The stick table's header line: its size and used entries."""
    out = host(front).check_output("echo 'show table jitsi_shards' | socat -t 2 stdio /run/haproxy/admin.sock")
    return out.splitlines()[0] if out else ""


def _wait_status(server, wanted, timeout=60):
    """Until every HAProxy node shows exactly `wanted` (a clean "UP" has no failed checks left)."""
    seen = poll(lambda: [_full_status(f, server) for f in FRONTS], lambda s: set(s) == {wanted},
                timeout=timeout, interval=1)
    assert set(seen) == {wanted}, (server, seen)


def _known_on_a(count, skip=0):
    known = json.loads(pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "rooms.json").read_text())
    return [room for room, seen in known.items() if seen[0] == "shard_a"][skip:skip + count]


# Holds one websocket (/xmpp-websocket, as a participant's client does) through an HAProxy
# node and records when it was opened and when the other side closed it.
WS_HOLD = r"""
import base64, json, os, socket, ssl, sys, time
room, front, out = sys.argv[1], sys.argv[2], sys.argv[3]
s = ssl._create_unverified_context().wrap_socket(socket.create_connection((front, 443), timeout=120))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET /xmpp-websocket?room={room} HTTP/1.1\r\nHost: {front}\r\nUpgrade: websocket\r\n"
           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: xmpp\r\n\r\n").encode())
head = s.recv(4096).decode(errors="replace")
s.settimeout(None)  # from here on, only the other side ends it
with open(out, "w") as f:
    f.write(json.dumps({"status": head.split("\r\n")[0], "opened": time.time()}) + "\n")
    f.flush()
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    f.write(json.dumps({"closed": time.time()}) + "\n")
"""


def test_a_jicofo_flap_shorter_than_the_threshold_moves_no_room():
    _wait_status("shard_a", "UP")
    rooms = _known_on_a(20)
    signal = host("lab-a-signal")
    signal.run("systemctl stop jicofo")
    try:
        time.sleep(5)  # below inter 2 s x fall 5
    finally:
        signal.run("systemctl start jicofo")
    assert set(_status(f, "shard_a") for f in FRONTS) == {"UP"}
    assert all(a == ["shard_a", "shard_a"] for a in _ask(rooms)), "a short flap re-pinned rooms"
    _wait_status("shard_a", "UP", timeout=90)  # no failed check left over for the next test


def test_an_outage_closes_the_shards_sessions_and_moves_whole_rooms():
    _wait_status("shard_a", "UP")
    (room,) = _known_on_a(1, skip=20)
    client = host("lab-haproxy1")
    client.run("rm -f /root/ws.out; nohup python3 -c %s %s lab-haproxy1 /root/ws.out >/dev/null 2>&1 &", WS_HOLD, room)
    opened = poll(lambda: client.file("/root/ws.out").exists and client.file("/root/ws.out").content_string,
                  lambda c: bool(c), timeout=15, interval=0.5)
    assert "101" in json.loads(opened.splitlines()[0])["status"], opened
    signal = host("lab-a-signal")
    signal.run("systemctl stop jicofo")
    stopped = time.time()
    try:
        closed = poll(lambda: client.file("/root/ws.out").content_string.splitlines(),
                      lambda lines: len(lines) > 1, timeout=40, interval=1)
        assert len(closed) > 1, "HAProxy kept the session to the failed shard open"
        after = json.loads(closed[1])["closed"] - stopped
        # Not before the flap threshold (about 10 s), not much later.
        assert 7 <= after <= 30, after
        # Each HAProxy node checks on its own: the other may mark the shard DOWN a check or two
        # later (CI caught new rooms through it still going to shard a in that moment).
        down = poll(lambda: {_status(f, "shard_a") for f in FRONTS}, lambda s: s == {"DOWN"}, timeout=30, interval=1)
        assert down == {"DOWN"}, down
        # Its participants reconnect: the room is on one other shard, through either node.
        assert _ask([room]) == [["shard_b", "shard_b"]]
        during = _ask([f"during-outage-{i}" for i in range(30)])
        assert all(a == ["shard_b", "shard_b"] for a in during), during
    finally:
        signal.run("systemctl start jicofo")
    _wait_status("shard_a", "UP", timeout=90)
    # The moved room stays where it is now; new rooms reach shard a again.
    assert _ask([room]) == [["shard_b", "shard_b"]]
    after = collections.Counter(a[0] for a in _ask([f"after-outage-{i}" for i in range(60)]))
    assert after["shard_a"] > 0 and after["shard_b"] > 0, after


def test_drain_keeps_existing_rooms_and_sends_new_ones_elsewhere():
    on_a = _known_on_a(40, skip=30)
    _playbook("front-drain.yml", "-e", "jitsi_front_shard=a", "-e", "jitsi_front_state=drain")
    try:
        assert all(a == ["shard_a", "shard_a"] for a in _ask(on_a)), "a drained shard lost its sticky rooms"
        new = _ask([f"while-drained-{i}" for i in range(60)])
        assert all(a == ["shard_b", "shard_b"] for a in new), new[:5]
        # The drain is the shard's, not the HAProxy process's: a reload keeps it...
        host("lab-haproxy1").run("systemctl reload haproxy")
        assert _status("lab-haproxy1", "shard_a") == "DRAIN"
        new = _ask([f"after-reload-{i}" for i in range(30)], FRONTS[:1])
        assert all(a == ["shard_b"] for a in new), new[:5]
        # ...and so does a restart of the whole HAProxy host.
        subprocess.run(["docker", "restart", "lab-haproxy2"], check=True, capture_output=True)
        back = poll(lambda: _ask(["probe-after-restart"], FRONTS[1:]), lambda a: a[0][0].startswith("shard_"),
                    timeout=60, interval=1)
        assert back[0][0].startswith("shard_"), back
        new = _ask([f"after-restart-{i}" for i in range(30)], FRONTS[1:])
        assert all(a == ["shard_b"] for a in new), new[:5]
        # A started node serves before it has learnt the table from its peer (HAProxy has no
        # gate for that): once it has, the drained shard's rooms are there.
        assert poll(lambda: haproxy_peers_synced(FRONTS[1]), bool, timeout=30, interval=0.5)
        answers = _ask(on_a[:10], FRONTS[1:])
        assert all(a == ["shard_a"] for a in answers), \
            ("the restarted node lost sticky rooms", answers, _full_status(FRONTS[1], "shard_a"),
             {front: _table_size(front) for front in FRONTS})
    finally:
        _playbook("front-drain.yml", "-e", "jitsi_front_shard=a", "-e", "jitsi_front_state=ready")
    _wait_status("shard_a", "UP")
    after = collections.Counter(a[0] for a in _ask([f"after-undrain-{i}" for i in range(100)]))
    assert after["shard_a"] > 0 and after["shard_b"] > 0, after
