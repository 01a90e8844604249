"""CPU and RSS of the cluster's services, read over the access an operator already has.

The sample command (a shell template, {host} filled in) prints one line per process:
its /proc/<pid>/stat, a '|', its command line. CPU is the change of utime+stime between two
samples; processes are told apart by their command line, since Prosody's process is named
after its Lua interpreter and the stand-in Jicofo's after python3.
"""

import asyncio
import shlex
import time

# Reads /proc inside the container: no agent, nothing to install, works as the lab's root.
DEFAULT_COMMAND = ("docker exec {host} sh -c " + shlex.quote(
    'for p in /proc/[0-9]*; do read -r s < "$p/stat" && '
    'printf "%s|%s\\n" "$s" "$(tr "\\0" " " < "$p/cmdline")"; done 2>/dev/null; true'))
TICKS_PER_SECOND = 100  # USER_HZ: 100 on every Linux architecture Debian ships
PAGE_KB = 4


def service_of(cmdline):
    """Which of the measured services a command line belongs to, or None."""
    words = cmdline.split()
    if not words:
        return None
    if any("prosody" in w for w in words[:3]):
        return "prosody"
    if "jicofo" in cmdline:
        return "jicofo"
    if words[0].startswith("nginx"):
        return "nginx"
    if "haproxy" in words[0]:
        return "haproxy"
    return None


def parse_processes(text):
    """{service: (cpu ticks, rss kB)} summed over the service's processes (nginx has workers)."""
    totals = {}
    for line in text.splitlines():
        stat, _, cmdline = line.partition("|")
        service = service_of(cmdline)
        fields = stat.rpartition(")")[2].split()
        if service is None or len(fields) < 22:
            continue
        ticks, rss = int(fields[11]) + int(fields[12]), int(fields[21]) * PAGE_KB
        old_ticks, old_rss = totals.get(service, (0, 0))
        totals[service] = (old_ticks + ticks, old_rss + rss)
    return totals


def cpu_percent(before, after, seconds):
    """{service: CPU % of one core} between two parse_processes() results."""
    return {service: max(0.0, (ticks - before[service][0]) / TICKS_PER_SECOND / seconds * 100)
            for service, (ticks, _) in after.items() if service in before and seconds > 0}


class Sampler:
    """Samples every host every `every` seconds into records {t, host, service, cpu, rss_kb}."""

    def __init__(self, hosts, origin, command=DEFAULT_COMMAND, every=2.0):
        """origin: the run's time zero (time.monotonic()), so samples line up with joins."""
        self.hosts, self.origin, self.command, self.every = hosts, origin, command, every
        self.records, self.failures, self.tasks = [], {}, []

    async def read(self, host):
        process = await asyncio.create_subprocess_shell(
            self.command.format(host=shlex.quote(host)),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        out, _ = await process.communicate()
        return time.monotonic() - self.origin, parse_processes(out.decode(errors="replace"))

    async def watch(self, host):
        previous = None
        while True:
            t, now = await self.read(host)
            if not now:
                self.failures[host] = self.failures.get(host, 0) + 1
            if previous and now:
                for service, cpu in cpu_percent(previous[1], now, t - previous[0]).items():
                    self.records.append({"t": round(t, 2), "host": host, "service": service,
                                         "cpu": round(cpu, 1), "rss_kb": now[service][1]})
            previous = (t, now) if now else previous
            await asyncio.sleep(self.every)

    def start(self):
        self.tasks = [asyncio.ensure_future(self.watch(h)) for h in self.hosts]

    def stop(self):
        for task in self.tasks:
            task.cancel()
