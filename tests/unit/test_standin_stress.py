"""The stand-in bridge's stress_level follows its synthetic load as jvb's load management does."""

import pytest

from jitsi_standin import config, hocon, load
from jitsi_standin.bridge_state import BridgeState

PACKET_RATE = ("videobridge { apis.rest.enabled = true, load-management.load-measurements { "
               "load-measurement = packet-rate, packet-rate.load-threshold = 10000 } }")


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _bridge(tmp_path, clock, text=PACKET_RATE):
    return BridgeState(config.bridge_config(hocon.loads(text)), "2.3-9001-g0a1b2c3d4-1", str(tmp_path / "s.json"),
                       clock=clock, wall=lambda: 0)


def test_defaults_are_upstreams():
    settings = config.bridge_config({})
    assert (settings.load_measurement, settings.load_threshold) == ("cpu-usage", 0.9)
    settings = config.bridge_config(hocon.loads("videobridge.load-management.load-measurements.load-measurement = packet-rate"))
    assert (settings.load_measurement, settings.load_threshold) == ("packet-rate", 50000)


def test_packet_rate_grows_with_the_square_of_a_conference():
    assert load.packet_rate([]) == 0
    assert load.packet_rate([{"participants": 1}]) == 250
    assert load.packet_rate([{"participants": 4}]) == 4 * 4 * 250
    assert load.packet_rate([{"participants": 4}, {"participants": 2}]) == (16 + 4) * 250


def test_stress_is_sampled_every_ten_seconds(tmp_path):
    clock = Clock()
    bridge = _bridge(tmp_path, clock)
    bridge.tick()
    assert bridge.stats()["stress_level"] == 0.0
    bridge.open_conferences(2, 60, participants=4)  # 2 * 16 * 250 = 8000 packets/s
    clock.now += 9
    bridge.tick()
    assert bridge.stats()["stress_level"] == 0.0  # not sampled yet
    clock.now += 1
    bridge.tick()
    assert bridge.stats()["stress_level"] == pytest.approx(0.8)
    clock.now += 60  # the conferences ended
    bridge.tick()
    assert bridge.stats()["stress_level"] == 0.0


def test_cpu_usage_between_two_samples():
    clock = Clock()
    readings = iter([(50, 100), (140, 200)])
    manager = load.LoadManager("cpu-usage", 0.9, clock, cpu=lambda: next(readings))
    manager.maybe_sample([])
    clock.now += 10
    manager.maybe_sample([])
    assert manager.stress == pytest.approx(0.9 / 0.9)


def test_an_unknown_measurement_stops_the_bridge(tmp_path):
    with pytest.raises(ValueError, match="Invalid configuration for load measurement type: disk"):
        _bridge(tmp_path, Clock(), "videobridge.load-management.load-measurements.load-measurement = disk")
