import pathlib
import sys

# The stand-in daemons' code (tests/standins/src) is imported by its package name.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "standins" / "src"))
