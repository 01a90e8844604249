"""What the autoscale scenario's side_effect recorded (autoscale.json, decisions.log)."""

import json
import os
import pathlib
import sys

import pytest

# Shared verifier helpers live in molecule/resources/testlib.py.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "resources"))


@pytest.fixture(scope="session")
def ephemeral():
    return pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])


@pytest.fixture(scope="session")
def run(ephemeral):
    return json.loads((ephemeral / "autoscale.json").read_text())


@pytest.fixture(scope="session")
def decisions(ephemeral):
    """The autoscaler's JSON log lines: ("decision" | "action", the record), in order."""
    found = []
    for line in (ephemeral / "decisions.log").read_text().splitlines():
        for kind in ("decision", "action"):
            marker = f" INFO {kind} "
            if marker in line:
                found.append((kind, json.loads(line.split(marker, 1)[1])))
    return found
