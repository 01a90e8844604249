"""Shared helpers for the shard verifiers: the scenario's facts and the derived secrets."""

import importlib.util
import json
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
DOMAIN = "meet.shards.test"
SHARDS = {
    "a": {"signal": "shard-a-signal", "bridges": ["shard-a-jvb1", "shard-a-jvb2", "shard-a-jvb3"], "mode": "muc"},
    "b": {"signal": "shard-b-signal", "bridges": ["shard-b-jvb1"], "mode": "component"},
}
POOL_SIZE = 4


def _load_inventory_filters():
    path = ROOT / "filter_plugins" / "jitsi_inventory.py"
    spec = importlib.util.spec_from_file_location("jitsi_inventory", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def inventory_filters():
    return _load_inventory_filters()


@pytest.fixture(scope="session")
def seed():
    value = os.environ.get("JITSI_SHARDS_TEST_SEED", "")
    assert value, "JITSI_SHARDS_TEST_SEED must be set (the Makefile does)"
    return value


@pytest.fixture(scope="session")
def ephemeral():
    return pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])


@pytest.fixture(scope="session")
def scale_record(ephemeral):
    return json.loads((ephemeral / "scale.json").read_text())


def poll(fetch, done, timeout=60, interval=2):
    """Call fetch() until done(result) or the timeout; return the last result.

    Bridges join the brewery within seconds; a slow CI machine gets some slack.
    """
    import time

    deadline = time.time() + timeout
    while True:
        result = fetch()
        if done(result) or time.time() > deadline:
            return result
        time.sleep(interval)


def get_json(host, url):
    """GET a URL from inside a container (no curl there) and return (status, body)."""
    script = (
        "import json, sys, urllib.request, urllib.error\n"
        "try:\n"
        f"    r = urllib.request.urlopen({url!r}, timeout=5)\n"
        "    print(json.dumps({'status': r.status, 'body': r.read().decode()}))\n"
        "except urllib.error.HTTPError as e:\n"
        "    print(json.dumps({'status': e.code, 'body': e.read().decode()}))\n"
        "except Exception as e:\n"
        "    print(json.dumps({'status': 0, 'body': str(e)}))\n"
    )
    out = host.check_output("python3 -c %s", script)
    result = json.loads(out)
    return result["status"], result["body"]
