"""Faults injected part-way through a run, by a shell command the operator gives.

The generator never needs root or the cluster's credentials itself: `--fault stop-front=lab-haproxy1@60`
with `--fault-command 'stop-front=docker stop {front}'` runs that command 60 s after the start;
`@+5` runs it 5 s after every participant of the first step has finished joining, so a fault meant
for a full meeting hits a full meeting however slowly the cluster admits people.
"""

import asyncio
import time

KINDS = {"stop-front": "front", "drain-shard": "shard"}  # the template field each kind fills


def parse_fault(spec):
    """'stop-front=lab-haproxy1@60' -> {"kind", "target", "at", "after_joined"} (@+60: after_joined);
    ValueError says what is wrong."""
    kind, _, rest = spec.partition("=")
    target, _, at = rest.rpartition("@")
    if kind not in KINDS or not target or not at:
        raise ValueError(f"--fault {spec!r}: expected one of {', '.join(KINDS)} as KIND=NAME@SECONDS or KIND=NAME@+SECONDS")
    after_joined = at.startswith("+")
    try:
        seconds = float(at[1:] if after_joined else at)
    except ValueError:
        raise ValueError(f"--fault {spec!r}: {at!r} is not a number of seconds") from None
    if seconds < 0:
        raise ValueError(f"--fault {spec!r}: the time must not be negative")
    return {"kind": kind, "target": target, "at": seconds, "after_joined": after_joined}


def parse_commands(specs):
    """['stop-front=docker stop {front}', ...] -> {kind: template}."""
    commands = {}
    for spec in specs:
        kind, _, template = spec.partition("=")
        if kind not in KINDS or not template:
            raise ValueError(f"--fault-command {spec!r}: expected KIND=COMMAND, KIND one of {', '.join(KINDS)}")
        commands[kind] = template
    return commands


def command_for(fault, commands):
    """The shell command of a fault, its target in the kind's field ({front} or {shard})."""
    if fault["kind"] not in commands:
        raise ValueError(f"--fault {fault['kind']} needs --fault-command '{fault['kind']}=COMMAND'")
    return commands[fault["kind"]].format(**{KINDS[fault["kind"]]: fault["target"], "target": fault["target"]})


async def inject(fault, command, origin, log, joined=None):
    """Wait until the fault's time, run its command, append what happened to log. `joined`: an
    asyncio.Event set once the first step's participants are all in (for @+SECONDS)."""
    if fault.get("after_joined"):
        await joined.wait()
        await asyncio.sleep(fault["at"])
    else:
        await asyncio.sleep(max(0.0, origin + fault["at"] - time.monotonic()))
    started = time.monotonic() - origin
    process = await asyncio.create_subprocess_shell(command, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    log.append({**fault, "command": command, "started": round(started, 2), "rc": process.returncode,
                "output": out.decode(errors="replace")[-2000:]})
    print(f"fault {fault['kind']} {fault['target']} at {started:.0f} s: rc {process.returncode}", flush=True)
