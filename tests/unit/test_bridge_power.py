"""The forced command of the autoscaler's key on each bridge: start, stop, status, nothing else."""

import importlib.machinery
import importlib.util
import pathlib

import pytest

PATH = pathlib.Path(__file__).resolve().parents[2] / "roles/jitsi_autoscaler/files/usr/local/sbin/jitsi-shards-bridge-power"
_loader = importlib.machinery.SourceFileLoader("bridge_power", str(PATH))
_spec = importlib.util.spec_from_loader("bridge_power", _loader)
power = importlib.util.module_from_spec(_spec)
_loader.exec_module(power)


@pytest.mark.parametrize("word, argv", [
    ("start", ["/usr/bin/sudo", "-n", "/usr/bin/systemctl", "start", "jitsi-videobridge2.service"]),
    ("stop", ["/usr/bin/sudo", "-n", "/usr/bin/systemctl", "stop", "jitsi-videobridge2.service"]),
    ("status", ["/usr/bin/systemctl", "is-active", "jitsi-videobridge2.service"]),
])
def test_the_three_actions(word, argv):
    ran = []
    assert power.main({"SSH_ORIGINAL_COMMAND": word}, run=lambda a: ran.append(a) or 0) == 0
    assert ran == [argv]


@pytest.mark.parametrize("request_", ["id", "", "start; id", "start ", " stop", "stop jitsi-videobridge2",
                                      "/bin/sh", "status\nid", "START"])
def test_anything_else_is_refused(request_, capsys):
    ran = []
    env = {"SSH_ORIGINAL_COMMAND": request_} if request_ else {}
    assert power.main(env, run=ran.append) == 1
    assert ran == []
    assert "refused: this key may only ask for start, stop, status" in capsys.readouterr().err
