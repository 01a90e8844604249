import pathlib
import sys

# The shared helpers (testlib) and the project's filter plugins, which verifiers use to read
# what the roles compute.
ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule" / "resources"))
sys.path.insert(0, str(ROOT / "filter_plugins"))
# The participant the load generator runs (loadtest/): the client-path tests walk the same path.
sys.path.insert(0, str(ROOT / "loadtest"))
