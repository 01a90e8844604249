"""Rooms stick to one shard through either HAProxy node; health, drain and undrain work.

Runs on the lab cluster after its rolling upgrades and rollback (side_effect.yml): both shards
serve again, so stickiness, failover and drain are tested on the production-shaped topology
(firewall and overlay on), not on a separate, smaller one."""

import collections
import json
import os
import pathlib
import subprocess
import time

from testlib import host

testinfra_hosts = ["ansible://lab-haproxy1"]
ROOT = pathlib.Path(__file__).resolve().parents[3]
FRONTS = ["lab-haproxy1", "lab-haproxy2"]

# Runs inside a container: GET /http-bind?room=<room> through the given HAProxy nodes and
# print the x-jitsi-shard each answered with.
CLIENT = r"""
import json, ssl, sys, urllib.request
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
rooms, fronts = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out = []
for i, room in enumerate(rooms):
    seen = []
    order = fronts if i % 2 == 0 else list(reversed(fronts))
    for front in order:
        try:
            r = urllib.request.urlopen(f"https://{front}/http-bind?room={room}", context=ctx, timeout=5)
            seen.append(r.headers.get("x-jitsi-shard"))
        except urllib.error.HTTPError as e:
            seen.append(e.headers.get("x-jitsi-shard") or f"http-{e.code}")
        except Exception as e:
            seen.append(f"error-{type(e).__name__}")
    out.append(seen)
print(json.dumps(out))
"""


def _ask(rooms, fronts=FRONTS):
    client = host("lab-haproxy1")
    out = client.check_output("python3 -c %s %s %s", CLIENT, json.dumps(rooms), json.dumps(fronts))
    return json.loads(out)


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


def test_new_rooms_leave_a_shard_whose_jicofo_stops_within_the_check_interval():
    signal = host("lab-a-signal")
    signal.run("systemctl stop jicofo")
    try:
        time.sleep(6)  # inter 2s, fall 2, plus slack
        answers = _ask([f"after-stop-{i}" for i in range(60)])
        assert all(a == ["shard_b", "shard_b"] for a in answers), answers[:5]
    finally:
        signal.run("systemctl start jicofo")
    time.sleep(8)


def test_drain_keeps_existing_rooms_and_sends_new_ones_elsewhere():
    known = json.loads(pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "rooms.json").read_text())
    on_a = [room for room, seen in known.items() if seen[0] == "shard_a"][:40]
    _playbook("front-drain.yml", "-e", "jitsi_front_shard=a", "-e", "jitsi_front_state=drain")
    try:
        assert all(a == ["shard_a", "shard_a"] for a in _ask(on_a)), "a drained shard lost its sticky rooms"
        new = _ask([f"while-drained-{i}" for i in range(60)])
        assert all(a == ["shard_b", "shard_b"] for a in new), new[:5]
    finally:
        _playbook("front-drain.yml", "-e", "jitsi_front_shard=a", "-e", "jitsi_front_state=ready")
    after = collections.Counter(a[0] for a in _ask([f"after-undrain-{i}" for i in range(100)]))
    assert after["shard_a"] > 0 and after["shard_b"] > 0, after
