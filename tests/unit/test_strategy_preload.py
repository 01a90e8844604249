"""The default strategy loads the Jinja plugins in the controller, so forked workers start with them."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

# In a child interpreter: the loaders' caches are process-wide state.
_CHILD = """
import importlib.util, os, sys
from ansible.plugins.loader import filter_loader, test_loader
spec = importlib.util.spec_from_file_location("mitogen_linear", sys.argv[1])
strategy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(strategy)
before = len(filter_loader._cached_non_collection_wrappers)
strategy.preload_jinja_plugins()
pid = os.fork()
if pid == 0:
    # A worker: the project's filters and the builtin tests are there without loading anything.
    found = ("jitsi_upgrade_plan" in filter_loader._cached_non_collection_wrappers
             and "ansible.builtin.version" in test_loader._cached_non_collection_wrappers)
    os._exit(0 if found else 3)
_, status = os.waitpid(pid, 0)
print(before, os.waitstatus_to_exitcode(status))
"""


def test_workers_forked_after_the_preload_inherit_every_filter_and_test():
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT / "strategy_plugins" / "mitogen_linear.py")],
                         capture_output=True, text=True, check=True, cwd=ROOT, env=env).stdout.split()
    # Nothing was loaded before the preload (why it exists), everything after it.
    assert out == ["0", "0"], out
