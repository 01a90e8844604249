"""How a bridge slot's host is started and stopped (unit-tested in tests/unit/test_autoscaler_service.py).

- systemd: SSH to the bridge as the power user, whose key the bridge's authorized_keys binds to a
  forced command (jitsi-shards-bridge-power) that can only start, stop or report
  jitsi-videobridge2 there. The words sent are the whole vocabulary; the bridge decides.
- command: the operator's commands (cloud CLI, IPMI, Wake-on-LAN), templated with the bridge's
  host, address, overlay_address, slot and shard, each value shell-quoted.
"""

import shlex
import subprocess

TIMEOUT = 120


class ProviderError(RuntimeError):
    """The provider could not do what it was asked; the message says what it answered."""


def _run(argv, timeout=TIMEOUT):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProviderError(f"{argv[0]}: {exc}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise ProviderError(f"exit {done.returncode}: {said[-1] if said else 'no output'}")
    return done.stdout.strip()


class SystemdProvider:
    def __init__(self, ssh, run=_run):
        self.ssh = ssh
        self.run = run

    def argv(self, bridge, word):
        return ["ssh", "-n", "-T", "-i", self.ssh["key"], "-l", self.ssh["user"],
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", f"UserKnownHostsFile={self.ssh['known_hosts']}", "-o", "ConnectTimeout=10",
                bridge["overlay_address"], word]

    def start(self, bridge):
        return self.run(self.argv(bridge, "start"))

    def stop(self, bridge):
        return self.run(self.argv(bridge, "stop"))


class CommandProvider:
    def __init__(self, commands, shard, run=_run):
        self.commands = commands
        self.shard = shard
        self.run = run

    def argv(self, bridge, action):
        values = {"host": bridge["host"], "address": bridge["address"], "overlay_address": bridge["overlay_address"],
                  "slot": bridge["slot"], "shard": self.shard}
        command = self.commands[action].format(**{k: shlex.quote(str(v)) for k, v in values.items()})
        return ["/bin/sh", "-c", command]

    def start(self, bridge):
        return self.run(self.argv(bridge, "start"))

    def stop(self, bridge):
        return self.run(self.argv(bridge, "stop"))


def provider(config, run=_run):
    if config["provider"] == "systemd":
        return SystemdProvider(config["ssh"], run)
    if config["provider"] == "command":
        return CommandProvider(config["commands"], config["shard"], run)
    raise ValueError(f"unknown provider {config['provider']!r}")
