"""The edge scenario's verifiers: TURN, ACME certificates, authentication models."""

import pathlib
import sys

# Shared verifier helpers live in molecule/resources/testlib.py.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "resources"))
