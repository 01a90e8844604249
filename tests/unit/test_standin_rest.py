"""The stand-ins' REST handlers: health, stats, drain, graceful shutdown, synthetic conferences."""

import json

import pytest

from jitsi_standin.bridge_state import BridgeState
from jitsi_standin.config import BridgeConfig, JicofoConfig, XmppLogin
from jitsi_standin.jicofo_state import JicofoState


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def bridge(tmp_path, clock):
    cfg = BridgeConfig(rest_host="127.0.0.1", rest_port=8080, region="eu", relay_id="a-jvb-01", logins=[])
    state = BridgeState(cfg, "2.3.9001-1", str(tmp_path / "state.json"), clock=clock)
    state.set_registered("shard_a", True)
    return state


def test_health_follows_registration(bridge):
    assert bridge.handle("GET", "/about/health", {})[0] == 200
    bridge.set_registered("shard_a", False)
    status, body = bridge.handle("GET", "/about/health", {})
    assert status == 500 and "shard_a" in body["error"]


def test_health_without_any_session_is_unhealthy(tmp_path, clock):
    cfg = BridgeConfig("127.0.0.1", 8080, "eu", "", logins=[])
    assert BridgeState(cfg, "v", str(tmp_path / "s.json"), clock=clock).handle("GET", "/about/health", {})[0] == 500


def test_conferences_counted_then_completed(bridge, clock):
    assert bridge.handle("POST", "/test/conferences", {"count": 3, "duration": 10, "participants": 4})[0] == 200
    stats = bridge.handle("GET", "/colibri/stats", {})[1]
    assert (stats["conferences"], stats["participants"], stats["region"], stats["version"]) == (3, 12, "eu", "2.3.9001-1")
    clock.now += 10
    bridge.tick()
    stats = bridge.handle("GET", "/colibri/stats", {})[1]
    assert stats["conferences"] == 0 and stats["conferences_completed"] == 3


def test_live_conferences_at_stop_are_interrupted_and_persisted(bridge, tmp_path, clock):
    bridge.handle("POST", "/test/conferences", {"count": 2, "duration": 60})
    bridge.stop()
    saved = json.loads((tmp_path / "state.json").read_text())
    assert saved == {"opened": 2, "completed": 0, "interrupted": 2}
    # A restarted bridge keeps counting from the file.
    again = BridgeState(bridge.config, "2.3.9002-1", str(tmp_path / "state.json"), clock=clock)
    assert again.stats()["conferences_interrupted"] == 2


def test_drain_refuses_new_conferences_and_undrain_accepts(bridge):
    assert bridge.handle("POST", "/colibri/drain/enable", {}) == (200, {"drain": True})
    assert bridge.handle("POST", "/test/conferences", {"count": 1, "duration": 5})[0] == 409
    assert bridge.stats()["drain"] is True
    bridge.handle("POST", "/colibri/drain/disable", {})
    assert bridge.handle("POST", "/test/conferences", {"count": 1, "duration": 5})[0] == 200


def test_graceful_shutdown_waits_for_the_last_conference(bridge, clock):
    bridge.handle("POST", "/test/conferences", {"count": 1, "duration": 30})
    assert bridge.handle("POST", "/colibri/shutdown", {"graceful-shutdown": "true"})[0] == 200
    assert bridge.stats()["graceful_shutdown"] is True
    assert bridge.tick() is False
    clock.now += 30
    assert bridge.tick() is True
    assert bridge.counters["interrupted"] == 0


@pytest.mark.parametrize("body", [{}, {"graceful-shutdown": "false"}])
def test_shutdown_needs_the_graceful_flag(bridge, body):
    assert bridge.handle("POST", "/colibri/shutdown", body)[0] == 400


@pytest.mark.parametrize("body", [{}, {"count": "x", "duration": 1}, {"count": 0, "duration": 1}, {"count": 1, "duration": 0}])
def test_bad_conference_requests_are_refused(bridge, body):
    assert bridge.handle("POST", "/test/conferences", body)[0] == 400


def test_unknown_route(bridge):
    assert bridge.handle("GET", "/nope", {})[0] == 404


@pytest.fixture
def jicofo():
    login = XmppLogin("client", "127.0.0.1", 5222, "auth.meet.test", "focus", "pw", False)
    cfg = JicofoConfig(login, "meet.test", "jvbbrewery@internal.auth.meet.test", "RegionBased", "eu", "127.0.0.1", 8888)
    return JicofoState(cfg, "1.0.9001-1")


def test_jicofo_unhealthy_until_connected_with_a_bridge(jicofo):
    assert jicofo.handle("GET", "/about/health", {}) == (500, {"error": "not connected to XMPP"})
    jicofo.connected = True
    assert jicofo.handle("GET", "/about/health", {}) == (500, {"error": "no operational bridge"})
    jicofo.update_bridge("jvbbrewery@internal.auth.meet.test/jvb-01", {"region": "eu", "conferences": 2})
    assert jicofo.handle("GET", "/about/health", {})[0] == 200


def test_jicofo_stats_sum_bridges_and_skip_shutting_down_ones(jicofo):
    jicofo.connected = True
    jicofo.update_bridge("b1", {"region": "eu", "conferences": 2, "participants": 5})
    jicofo.update_bridge("b2", {"region": "us", "conferences": 1, "participants": 2, "graceful_shutdown": True})
    stats = jicofo.handle("GET", "/stats", {})[1]
    assert (stats["bridge_count"], stats["operational_bridge_count"], stats["conferences"], stats["participants"]) == (2, 1, 3, 7)
    assert [b["region"] for b in stats["bridges"]] == ["eu", "us"]
    jicofo.remove_bridge("b1")
    assert jicofo.handle("GET", "/about/health", {})[0] == 500
