"""Shared helpers for the shard verifiers: the scenario's facts and the derived secrets."""

import json
import os
import pathlib

import sys

import pytest

# Shared verifier helpers (poll, get_json) live in molecule/resources/testlib.py.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "resources"))
from testlib import get_json, jitsi_inventory, poll  # noqa: E402,F401  (re-exported for test_shard.py)

DOMAIN = "meet.shards.test"
SHARDS = {
    # shard-a-jvb3 joined in side_effect (Jicofo counted 3) and was removed again.
    "a": {"signal": "shard-a-signal", "bridges": ["shard-a-jvb1", "shard-a-jvb2"]},
    "b": {"signal": "shard-b-signal", "bridges": ["shard-b-jvb1"]},
}
POOL_SIZE = 4


@pytest.fixture(scope="session")
def inventory_filters():
    return jitsi_inventory


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
