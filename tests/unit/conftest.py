import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Filter plugins and the stand-in daemons' code are imported by their module names.
sys.path.insert(0, str(ROOT / "filter_plugins"))
sys.path.insert(0, str(ROOT / "tests" / "standins" / "src"))
# The autoscaler service's modules, as roles/jitsi_autoscaler installs them side by side.
sys.path.insert(0, str(ROOT / "roles" / "jitsi_autoscaler" / "files" / "usr" / "local" / "lib" / "jitsi-shards-autoscaler"))
# The load generator's package (loadtest/jitsi_shards_loadtest).
sys.path.insert(0, str(ROOT / "loadtest"))
