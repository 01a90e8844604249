"""Helpers the scenarios' testinfra verifiers share (imported by each scenario's conftest)."""

import json
import os
import pathlib
import subprocess
import sys
import time

import testinfra

# The project's filter plugins compute what the roles compute; verifiers derive the same values.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "filter_plugins"))
import jitsi_inventory  # noqa: E402

_REQUEST = """
import json, ssl, sys, urllib.request, urllib.error
url, method, body = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl._create_unverified_context()  # the lab's self-signed certificates
req = urllib.request.Request(url, method=method, data=body.encode() if body else None,
                             headers={"Content-Type": "application/json"})
try:
    r = urllib.request.urlopen(req, timeout=5, context=ctx)
    print(json.dumps({"status": r.status, "body": r.read().decode()}))
except urllib.error.HTTPError as e:
    print(json.dumps({"status": e.code, "body": e.read().decode()}))
except Exception as e:
    print(json.dumps({"status": 0, "body": str(e)}))
"""


# Runs inside a container: GET /http-bind?room=<room> through the given HAProxy nodes and print
# the x-jitsi-shard each answered with. Each room is asked first through one front (in turn), and
# through the others in a second pass: fronts of different regions prefer different shards, so a
# room asked through two within the peers' sync delay (a few milliseconds) could be pinned twice
# (README: Overlay and regions).
_ASK_FRONTS = r"""
import json, ssl, sys, urllib.request
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
rooms, fronts = json.loads(sys.argv[1]), json.loads(sys.argv[2])

def ask(front, room):
    try:
        r = urllib.request.urlopen(f"https://{front}/http-bind?room={room}", context=ctx, timeout=5)
        return r.headers.get("x-jitsi-shard")
    except urllib.error.HTTPError as e:
        return e.headers.get("x-jitsi-shard") or f"http-{e.code}"
    except Exception as e:
        return f"error-{type(e).__name__}"

orders = [fronts[i % len(fronts):] + fronts[:i % len(fronts)] for i in range(len(rooms))]
out = [[ask(order[0], room)] for room, order in zip(rooms, orders)]
for seen, room, order in zip(out, rooms, orders):
    seen.extend(ask(front, room) for front in order[1:])
print(json.dumps(out))
"""


def ask_fronts(client, rooms, fronts):
    """Per room, the shard each front (by name) placed it on, asked from inside `client`."""
    return json.loads(client.check_output("python3 -c %s %s %s", _ASK_FRONTS, json.dumps(rooms), json.dumps(fronts)))


def container_address(name):
    """The address the controller reaches a scenario's container at (its molecule network)."""
    out = subprocess.run(["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
                          name], capture_output=True, text=True, check=True).stdout
    return out.split()[0]


def host(name):
    """A testinfra host of the scenario's inventory."""
    return testinfra.get_host(f"ansible://{name}", ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


def request(target, url, method="GET", body=None):
    """HTTP from inside a container (no curl there); returns (status, text)."""
    payload = json.dumps(body) if body is not None else ""
    out = target.check_output("python3 -c %s %s %s %s", _REQUEST, url, method, payload)
    result = json.loads(out)
    return result["status"], result["body"]


def get_json(target, url):
    return request(target, url)


def poll(fetch, done, timeout=60, interval=2):
    """Call fetch() until done(result) or the timeout; return the last result.

    Registration takes seconds; a slow CI machine gets some slack.
    """
    deadline = time.time() + timeout
    while True:
        result = fetch()
        if done(result) or time.time() > deadline:
            return result
        time.sleep(interval)


# The task that writes /etc/hosts (roles/common): it changes wherever the cluster's members
# change, or where Docker rewrote the file when it (re)started a container.
HOSTS_FILE_TASK = "common : Resolve the cluster's hosts without DNS"


def changed_tasks(stdout):
    """(task, host) for every "changed:" line of a playbook's default output (handlers too)."""
    task, found = None, set()
    for line in stdout.splitlines():
        if line.startswith(("TASK [", "RUNNING HANDLER [")):
            task = line[line.index("[") + 1:line.rindex("]")]
        elif line.startswith("changed: ["):
            found.add((task, line[len("changed: ["):].split("]")[0].split(" -> ")[0]))
    return found


def haproxy_peers_synced(front):
    """Whether an HAProxy node has learnt the stick table from its peers since it started: the
    peers section's flags hold "resync from local finished" and "from remote finished" (0x1, 0x2;
    HAProxy 2.6 src/peers.c PEERS_F_RESYNC_LOCAL/REMOTE). Either is also set when there was
    nothing to learn (timeout, no peer up)."""
    out = host(front).check_output("echo 'show peers' | socat -t 2 stdio /run/haproxy/admin.sock")
    flags = next((word.split("=", 1)[1] for word in out.split() if word.startswith("flags=")), "0x0")
    return int(flags, 16) & 0x3 == 0x3


def derived_secrets(seed, shards, pool_size, domain):
    """{label: value} of the seed and every secret the roles derive from it.

    shards: the shard names. Computed with the project's own filter, as the roles do.
    """
    secrets = {"the seed": seed}
    for shard in shards:
        secrets[f"shard {shard} focus"] = jitsi_inventory.derive_secret(seed, shard, "focus")
        for slot in jitsi_inventory.bridge_pool(shard, pool_size, domain, seed):
            secrets[f"shard {shard} {slot['name']}"] = slot["secret"]
    return secrets


def leaks(text, secrets):
    """{label: the text before it on its line} for every secret value found in text."""
    found = {}
    for label, value in secrets.items():
        at = text.find(value)
        if at >= 0:
            found[label] = text[text.rfind("\n", 0, at) + 1:at].strip()[-160:]
    return found
