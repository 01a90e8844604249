"""Least exposure: from outside only the public ports answer; inside, only the right members
reach each internal port; no secret in the logs, in a loose file or on the wrong host."""

import json
import os
import pathlib
import subprocess

import pytest
import testinfra

from testlib import derived_secrets, host, leaks, request

EPHEMERAL = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
NETWORK = f"molecule-{os.environ.get('MOLECULE_SCENARIO_NAME', 'cluster')}"
IMAGE = "jitsi-shards/debian12-systemd:latest"
HAPROXY = ["lab-haproxy1", "lab-haproxy2"]
SIGNALS = ["lab-a-signal", "lab-b-signal"]
BRIDGES = ["lab-a-jvb1", "lab-a-jvb2", "lab-b-jvb1", "lab-b-jvb2"]
MEMBERS = SIGNALS + BRIDGES
SHARDS = ["a", "b"]  # inventories/lab
POOL_SIZE = 4
DOMAIN = "meet.lab.test"

# Probes run inside a container, in parallel: a dropped packet costs the whole timeout.
# tcp: open / refused (the host answered: no firewall drop) / filtered (no answer at all).
# udp: a STUN binding request; open when answered.
PROBE = r"""
import json, socket, struct, sys
from concurrent.futures import ThreadPoolExecutor
def probe(item):
    target, proto, port = item
    if proto == "tcp":
        s = socket.socket(); s.settimeout(2)
        try:
            s.connect((target, port)); return "open"
        except ConnectionRefusedError: return "refused"
        except (socket.timeout, TimeoutError): return "filtered"
        except OSError as e: return "error: %s" % e
        finally: s.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.connect((target, port))
    s.send(struct.pack("!HHI", 1, 0, 0x2112A442) + b"jitsi-shards")
    try:
        s.recv(512); return "open"
    except ConnectionRefusedError: return "refused"
    except (socket.timeout, TimeoutError): return "no answer"
    finally: s.close()
items = json.loads(sys.argv[1])
with ThreadPoolExecutor(64) as pool:
    print(json.dumps(list(pool.map(probe, items))))
"""


def probe(node, targets):
    """{(target, proto, port): result} as seen from node."""
    items = [list(t) for t in targets]
    results = json.loads(node.check_output("python3 -c %s %s", PROBE, json.dumps(items)))
    return dict(zip([tuple(t) for t in targets], results))


@pytest.fixture(scope="module")
def outsider():
    """A container on the cluster's network that is no cluster member."""
    name = "lab-outsider"
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
    subprocess.run(["docker", "run", "--detach", "--name", name, "--network", NETWORK, "--label", "owner=molecule",
                    "--pull", "never", "--entrypoint", "sleep", IMAGE, "infinity"], check=True, capture_output=True)
    yield testinfra.get_host(f"docker://{name}")
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def _outside_expectations():
    expected = {}
    for name in HAPROXY:
        expected.update({(name, "tcp", 80): "open", (name, "tcp", 443): "open"})
        expected.update({(name, "tcp", p): "filtered" for p in (22, 8404, 10000)})
    for name in SIGNALS:
        expected.update({(name, "tcp", p): "filtered" for p in (22, 80, 443, 5222, 5269, 5280, 5347, 8888)})
    for name in BRIDGES:
        expected[(name, "udp", 10000)] = "open"
        expected.update({(name, "tcp", p): "filtered" for p in (22, 4443, 8080)})
        expected.update({(name, "udp", p): "no answer" for p in (4096, 4789, 51820)})
    return expected


def test_from_outside_only_the_public_ports_answer(outsider):
    expected = _outside_expectations()
    assert probe(outsider, list(expected)) == expected


def _dropped(name):
    out = host(name).check_output("nft -j list counter inet jitsi_shards dropped")
    return next(item["counter"]["packets"] for item in json.loads(out)["nftables"] if "counter" in item)


def test_what_outsiders_send_to_closed_ports_is_dropped_and_counted(outsider):
    before = _dropped("lab-b-jvb1")
    probe(outsider, [("lab-b-jvb1", "udp", p) for p in (4096, 4789, 51820)] + [("lab-b-jvb1", "tcp", 8080)])
    assert _dropped("lab-b-jvb1") - before >= 4


def test_internal_ports_answer_the_right_members_only():
    cases = {
        # Each shard's bridges reach their own Prosody, not the other shard's.
        ("lab-a-jvb1", "lab-a-signal", 5222): "open",
        ("lab-b-jvb2", "lab-b-signal", 5222): "open",
        ("lab-b-jvb1", "lab-a-signal", 5222): "filtered",
        ("lab-a-jvb2", "lab-b-signal", 5222): "filtered",
        # HAProxy nodes reach nginx and Jicofo's health check; bridges do not.
        ("lab-haproxy1", "lab-a-signal", 443): "open",
        ("lab-haproxy2", "lab-b-signal", 8888): "open",
        ("lab-a-jvb1", "lab-a-signal", 8888): "filtered",
        # Stick-table peers reach each other; a signal node does not.
        ("lab-haproxy1", "lab-haproxy2", 10000): "open",
        ("lab-a-signal", "lab-haproxy1", 10000): "filtered",
        # Bridge REST is for monitoring networks (none in the lab) and the bridge itself.
        ("lab-a-signal", "lab-a-jvb1", 8080): "filtered",
    }
    seen = {case: probe(host(case[0]), [(case[1], "tcp", case[2])])[(case[1], "tcp", case[2])] for case in cases}
    assert seen == cases
    # Shard b still registers its bridges through these rules (shard a's were left broken on
    # purpose by the failed upgrade in side_effect).
    for name in ["lab-b-signal"]:
        status, body = request(host(name), "http://127.0.0.1:8888/stats")
        assert status == 200 and json.loads(body)["bridge_selector"]["operational_bridge_count"] == 2, (name, body)


@pytest.fixture(scope="module")
def secrets():
    secrets = derived_secrets(os.environ["JITSI_SHARDS_LAB_SEED"], SHARDS, POOL_SIZE, DOMAIN)
    keys = {name: host(name).check_output("cat /etc/wireguard/wg0.key").strip() for name in MEMBERS}
    assert all(len(k) == 44 for k in keys.values()), "every member has its own WireGuard key"
    secrets.update({f"wireguard key of {name}": key for name, key in keys.items()})
    return secrets


def test_no_secret_in_any_converge_log(secrets):
    for log in [EPHEMERAL / "ansible.log", EPHEMERAL / "upgrade.json"]:
        leaked = leaks(log.read_text(), secrets)
        assert not leaked, f"secrets in {log.name} (label: text before it): {leaked}"


# Files that may hold a secret, with their owner:group. Any other file holding one fails.
PRIVATE = {
    "/etc/jitsi/videobridge/jvb.conf": "jvb:jitsi",
    "/etc/jitsi/jicofo/jicofo.conf": "jicofo:jitsi",
    # jicofo's postinst regenerates its env file unless JICOFO_AUTH_PASSWORD is in it.
    "/etc/jitsi/jicofo/config": "jicofo:jitsi",
    "/etc/wireguard/wg0.key": "root:root",
}
SCAN = "grep -rIoHF --exclude-dir=apt --exclude-dir=dpkg -f {0} /etc /var/lib /usr/local /root /srv /opt /home /tmp; rm -f {0}"


def _holders(name, secrets):
    """{path: {labels}} of files on the host holding a secret value."""
    node = host(name)
    values = "\n".join(secrets.values()) + "\n"
    node.run_expect([0], "umask 077 && printf %s %s > /run/secret-scan", "%s", values)
    out = node.run(SCAN.format("/run/secret-scan")).stdout
    by_value = {v: k for k, v in secrets.items()}
    found = {}
    for line in out.splitlines():
        path, _, value = line.rpartition(":")
        if value in by_value:
            found.setdefault(path, set()).add(by_value[value])
    return found


@pytest.mark.parametrize("name", HAPROXY + MEMBERS)
def test_secrets_only_in_private_files_of_their_own_host(name, secrets):
    found = _holders(name, secrets)
    stray = {path: labels for path, labels in found.items() if path not in PRIVATE}
    assert not stray, f"{name}: secrets in files nobody expects: {stray}"
    foreign = {p: l for p, l in found.items() for label in l if label.startswith("wireguard key of ") and label != f"wireguard key of {name}"}
    assert not foreign, f"{name} holds another host's WireGuard key: {foreign}"
    assert not any("the seed" in labels for labels in found.values()), f"{name} holds the seed"
    expected = {"/etc/wireguard/wg0.key"} if name in MEMBERS else set()
    expected |= {"/etc/jitsi/videobridge/jvb.conf"} if name in BRIDGES else set()
    expected |= {"/etc/jitsi/jicofo/jicofo.conf", "/etc/jitsi/jicofo/config"} if name in SIGNALS else set()
    assert set(found) == expected, (name, found)
    node = host(name)
    for path in found:
        f = node.file(path)
        assert f.mode in (0o600, 0o640) and f"{f.user}:{f.group}" == PRIVATE[path], (name, path, oct(f.mode), f.user, f.group)


LOADED = "sha256sum /etc/nftables.conf && nft list table inet jitsi_shards | sed -E 's/packets [0-9]+ bytes [0-9]+//'"


def test_bad_settings_are_refused_and_the_loaded_rules_stay():
    nodes = [host(name) for name in HAPROXY + MEMBERS]
    before = [node.check_output(LOADED) for node in nodes]
    run = subprocess.run(
        ["ansible-playbook", "-i", str(pathlib.Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent),
         str(pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "playbooks" / "firewall.yml"),
         "-e", '{"jitsi_firewall_admin_cidrs": ["10.0.0.0/33"]}'], capture_output=True, text=True, check=False)
    assert run.returncode != 0
    output = run.stdout + run.stderr  # ansible-core prints task errors on stderr
    assert "jitsi_firewall_admin_cidrs: '10.0.0.0/33' is not an address or network" in output, output[-2000:]
    after = [node.check_output(LOADED) for node in nodes]
    assert after == before
