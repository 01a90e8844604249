"""The bridge's stress_level, as jvb's load management computes it (pure but for /proc/stat).

jvb load_management/ @a29d97d1: JvbLoadManager.kt samples every 10 s (startSampler:
scheduleAtFixedRate(sampler, 0, 10, SECONDS)) and stress = the latest measurement divided by the
configured load threshold (getCurrentStressLevel; 0.0 before the first sample).
- packet-rate (PacketRateLoadSampler.kt): the RTP packet rate of every local endpoint, received
  plus sent. A synthetic participant sends PACKETS_PER_STREAM packets/s and the bridge forwards it
  to every other participant of its conference, so a conference of n costs n * n streams.
- cpu-usage (CpuLoadSampler.kt): the whole system's CPU load (OperatingSystemMXBean.systemCpuLoad),
  here from /proc/stat between two samples.
The thresholds are videobridge.load-management.load-measurements.<kind>.load-threshold
(reference.conf: 50000 packets/s, 0.9), the kind load-measurement (reference.conf: cpu-usage).
"""

from .config import ConfigError

SAMPLE_PERIOD = 10
# Audio (50 packets/s) and one simulcast video layer (about 200 packets/s) of one participant.
PACKETS_PER_STREAM = 250


def packet_rate(conferences):
    """Packets/s of the bridge's endpoints, up plus down: each participant's stream comes in once
    and goes out to the n - 1 others."""
    return sum(c["participants"] * PACKETS_PER_STREAM + c["participants"] * (c["participants"] - 1) * PACKETS_PER_STREAM
               for c in conferences)


def read_proc_stat(path="/proc/stat"):
    """(busy, total) jiffies of all CPUs."""
    with open(path, encoding="ascii") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


class LoadManager:
    def __init__(self, measurement, threshold, clock, cpu=read_proc_stat):
        if measurement not in ("packet-rate", "cpu-usage"):
            # JvbLoadManager.create: any other value stops the bridge at start.
            raise ConfigError(f"Invalid configuration for load measurement type: {measurement}")
        self.measurement = measurement
        self.threshold = threshold
        self.clock = clock
        self.cpu = cpu
        self.next_sample = None
        self.last = None
        self.cpu_before = None

    def maybe_sample(self, conferences):
        now = self.clock()
        if self.next_sample is not None and now < self.next_sample:
            return
        self.next_sample = (self.next_sample or now) + SAMPLE_PERIOD
        if self.measurement == "packet-rate":
            self.last = packet_rate(conferences)
        else:
            busy, total = self.cpu()
            before = self.cpu_before or (0, 0)
            self.cpu_before = (busy, total)
            self.last = (busy - before[0]) / (total - before[1]) if total > before[1] else 0.0

    @property
    def stress(self):
        return 0.0 if self.last is None else self.last / self.threshold
