"""The cluster's run lock: who holds it and whether a new run may take it.

Two runs against one cluster (two operators, or a CI job and a laptop) would interleave their
changes: one could undrain what the other drained, or restart what the other waits for. Each
mutating playbook takes a lock on one host of the cluster first (playbooks/plays/lock.yml,
an atomic mkdir there) and releases it at its end. A run that died leaves its lock behind:
it is stale when its ansible-playbook process is gone from the same controller, or when it is
older than `stale_after` seconds (another controller cannot be asked).
"""

import getpass
import json
import os
import socket


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _parent(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def playbook_pid(start=None):
    """pid of the ansible-playbook process this code runs under (0 when there is none)."""
    pid = start or os.getpid()
    while pid > 1:
        if "ansible-playbook" in _cmdline(pid):
            return pid
        pid = _parent(pid)
    return 0


def _playbooks(pid):
    """The playbook files on an ansible-playbook command line (for the lock's message)."""
    names = [os.path.basename(arg) for arg in _cmdline(pid).split() if arg.endswith((".yml", ".yaml"))]
    return " ".join(names) or "?"


def holder(now):
    """This run, as the lock records it."""
    pid = playbook_pid()
    return {"user": getpass.getuser(), "controller": socket.gethostname(), "pid": pid,
            "playbook": _playbooks(pid) if pid else "?", "since": int(now)}


def parse(text):
    """The holder a lock file records, or None when it cannot be read."""
    try:
        found = json.loads(text)
    except (TypeError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def alive_here(lock):
    """True when the lock's holder is a live ansible-playbook on this controller; None when the
    holder ran on another controller (this one cannot tell)."""
    if lock.get("controller") != socket.gethostname():
        return None
    return bool(lock.get("pid")) and "ansible-playbook" in _cmdline(lock["pid"])


def verdict(lock, me, now, stale_after, alive):
    """What to do with a lock found held: {"take": bool, "message": str}.

    lock: the holder it records (None when unreadable); me: this run's holder; alive: see
    alive_here. Taken: the holder's process is gone from this controller, or the lock is older
    than stale_after seconds. Refused otherwise, naming the holder, since when, and the way out.
    """
    if not lock:
        return {"take": True, "message": "the run lock had no readable holder: taken over"}
    who = f"{lock.get('user', '?')}@{lock.get('controller', '?')} (pid {lock.get('pid', '?')}, {lock.get('playbook', '?')})"
    age = int(now) - int(lock.get("since", 0))
    since = f"{age // 3600} h {age % 3600 // 60} min ago"
    if alive is False:
        return {"take": True, "message": f"stale run lock of {who}, taken {since}: that run has ended; taken over"}
    if age > int(stale_after):
        return {"take": True, "message": f"stale run lock of {who}, taken {since} (over jitsi_lock_stale_after="
                                         f"{stale_after} s); taken over"}
    return {"take": False, "message": (
        f"Another run holds this cluster's lock: {who}, since {since}. Wait for it to end. If it is gone "
        f"(its controller crashed), re-run with -e jitsi_lock_break=true; a lock older than "
        f"jitsi_lock_stale_after ({stale_after} s) is taken over by itself.")}


class FilterModule:
    def filters(self):
        return {
            "jitsi_lock_holder": holder,
            "jitsi_lock_parse": parse,
            "jitsi_lock_alive_here": alive_here,
            "jitsi_lock_verdict": verdict,
        }
