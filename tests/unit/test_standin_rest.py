"""The stand-ins' REST APIs and stats: gated, shaped and behaving like upstream's."""

import asyncio
import json

import pytest

from jitsi_standin import config, hocon
from jitsi_standin.bridge_state import BridgeState
from jitsi_standin.config import HealthSettings
from jitsi_standin.health import HealthChecker, Result
from jitsi_standin.jicofo_state import JicofoState


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def _bridge(tmp_path, clock, text="videobridge { apis.rest.enabled = true, rest.shutdown.enabled = true, "
                                  "relay { enabled = true, region = eu, relay-id = a-jvb-01 } }"):
    cfg = config.bridge_config(hocon.loads(text))
    return BridgeState(cfg, "2.3-9001-g0a1b2c3d4-1", str(tmp_path / "state.json"), clock=clock, wall=lambda: 0)


@pytest.fixture
def bridge(tmp_path, clock):
    return _bridge(tmp_path, clock)


# jitsi-videobridge: gating -----------------------------------------------------------------------

def test_defaults_serve_health_version_and_drain_but_not_stats_or_shutdown(tmp_path, clock):
    plain = _bridge(tmp_path, clock, "")
    assert plain.handle("GET", "/about/health", {}) == (200, "")
    assert plain.handle("GET", "/about/version", {}) == (200, {"name": "JVB", "version": "2.3-9001-g0a1b2c3d4-1",
                                                              "os": "Linux"})
    assert plain.handle("POST", "/colibri/drain/enable", {}) == (200, "")
    assert plain.handle("GET", "/colibri/drain", {}) == (200, {"drain": True})
    assert plain.handle("GET", "/colibri/stats", {})[0] == 404
    assert plain.handle("POST", "/colibri/shutdown", {"graceful-shutdown": True})[0] == 404


def test_shutdown_needs_the_colibri_api_too(tmp_path, clock):
    only_shutdown = _bridge(tmp_path, clock, "videobridge.rest.shutdown.enabled = true")
    assert only_shutdown.handle("POST", "/colibri/shutdown", {"graceful-shutdown": True})[0] == 404
    only_colibri = _bridge(tmp_path, clock, "videobridge.apis.rest.enabled = true")
    assert only_colibri.handle("GET", "/colibri/stats", {})[0] == 200
    assert only_colibri.handle("POST", "/colibri/shutdown", {"graceful-shutdown": True})[0] == 404


@pytest.mark.parametrize("key, path, method", [
    ("drain", "/colibri/drain/disable", "POST"), ("health", "/about/health", "GET"),
    ("version", "/about/version", "GET"),
])
def test_each_api_can_be_switched_off(tmp_path, clock, key, path, method):
    state = _bridge(tmp_path, clock, f"videobridge.rest.{key}.enabled = false")
    assert state.handle(method, path, {})[0] == 404


def test_wrong_method_and_unknown_route(bridge):
    assert bridge.handle("GET", "/colibri/shutdown", {})[0] == 405
    assert bridge.handle("GET", "/nope", {})[0] == 404


# jitsi-videobridge: stats ------------------------------------------------------------------------

def test_stats_have_upstream_names_and_no_test_counters(bridge):
    stats = bridge.handle("GET", "/colibri/stats", {})[1]
    assert {"conferences", "participants", "stress_level", "graceful_shutdown", "shutting_down", "drain",
            "version", "region", "relay_id", "current_timestamp", "healthy", "total_conferences_created",
            "total_conferences_completed", "largest_conference", "endpoints"} <= set(stats)
    assert (stats["region"], stats["relay_id"], stats["version"]) == ("eu", "a-jvb-01", "2.3-9001-g0a1b2c3d4-1")
    assert not {"registered", "media_packets", "octo_packets", "conferences_interrupted", "shard", "candidates"} \
        & set(stats)


def test_relay_id_only_with_relays_and_region_only_when_set(tmp_path, clock):
    stats = _bridge(tmp_path, clock, "videobridge { apis.rest.enabled = true, relay.relay-id = r1 }").stats()
    assert "relay_id" not in stats and "region" not in stats


def test_relays_without_relay_id_break_the_stats(tmp_path, clock):
    state = _bridge(tmp_path, clock, "videobridge { apis.rest.enabled = true, relay.enabled = true }")
    status, body = state.handle("GET", "/colibri/stats", {})
    assert status == 500 and "relay-id" in body["error"]


def test_stats_filter_keeps_the_whitelist_in_presence(tmp_path, clock):
    state = _bridge(tmp_path, clock, "videobridge.apis.xmpp-client.stats-filter { enabled = true, "
                                     "whitelist = [ drain, version ] }")
    assert state.presence_stats() == {"drain": False, "version": "2.3-9001-g0a1b2c3d4-1"}


def test_health_result_shows_in_health_and_stats(bridge, clock):
    async def failing():
        return Result(False, True, "No valid IP addresses available for harvesting.")

    bridge.health = HealthChecker(HealthSettings(60, 90, 3), failing, clock)
    assert bridge.handle("GET", "/about/health", {}) == (200, "")  # before the first check
    asyncio.run(bridge.health.run_once())
    assert bridge.handle("GET", "/about/health", {}) == (500, "No valid IP addresses available for harvesting.")
    assert bridge.stats()["healthy"] is False


# jitsi-videobridge: conferences, drain, shutdown ----------------------------------------------------

def test_conferences_counted_then_completed(bridge, clock):
    bridge.candidates = [{"type": "host", "protocol": "udp", "ip": "172.18.0.5", "port": 10000}]
    status, body = bridge.handle("POST", "/test/conferences", {"count": 3, "duration": 10, "participants": 4})
    assert status == 200 and body["candidates"] == bridge.candidates
    stats = bridge.stats()
    assert (stats["conferences"], stats["participants"], stats["total_conferences_created"]) == (3, 12, 3)
    clock.now += 10
    bridge.tick()
    stats = bridge.stats()
    assert (stats["conferences"], stats["total_conferences_completed"]) == (0, 3)
    assert bridge.handle("GET", "/test/state", {})[1]["completed"] == 3


def test_test_state_shape(bridge):
    bridge.set_registered("a", True)
    state = bridge.handle("GET", "/test/state", {})[1]
    assert set(state) == {"opened", "completed", "interrupted", "registered", "media_packets", "candidates",
                          "health", "shutdown_state", "relays", "colibri_conferences"}
    assert state["health"]["success"] is True and state["registered"] == {"a": True}


def test_live_conferences_at_stop_are_interrupted_and_persisted(bridge, tmp_path, clock):
    bridge.handle("POST", "/test/conferences", {"count": 2, "duration": 60})
    bridge.stop()
    saved = json.loads((tmp_path / "state.json").read_text())
    assert saved == {"opened": 2, "completed": 0, "interrupted": 2}
    again = BridgeState(bridge.config, "2.3-9002-g1b2c3d4e5-1", str(tmp_path / "state.json"), clock=clock)
    assert again.test_state()["interrupted"] == 2


def test_drain_refuses_new_test_conferences_and_undrain_accepts(bridge):
    assert bridge.handle("POST", "/colibri/drain/enable", {}) == (200, "")
    assert bridge.handle("POST", "/test/conferences", {"count": 1, "duration": 5})[0] == 409
    assert bridge.stats()["drain"] is True
    bridge.handle("POST", "/colibri/drain/disable", {})
    assert bridge.handle("POST", "/test/conferences", {"count": 1, "duration": 5})[0] == 200


def test_initial_drain_mode(tmp_path, clock):
    assert _bridge(tmp_path, clock, "videobridge.initial-drain-mode = true").stats()["drain"] is True


def test_graceful_shutdown_waits_for_the_last_conference_then_the_delay(bridge, clock):
    bridge.handle("POST", "/test/conferences", {"count": 1, "duration": 30})
    assert bridge.handle("POST", "/colibri/shutdown", {"graceful-shutdown": "true"}) == (200, "")
    stats = bridge.stats()
    assert (stats["graceful_shutdown"], stats["shutting_down"]) == (True, False)
    assert bridge.handle("POST", "/test/conferences", {"count": 1, "duration": 5})[0] == 409
    assert bridge.tick() is False
    clock.now += 30
    assert bridge.tick() is False and bridge.stats()["shutting_down"] is True
    clock.now += 59
    assert bridge.tick() is False
    clock.now += 1
    assert bridge.tick() is True
    assert bridge.counters["interrupted"] == 0


def test_forceful_shutdown_skips_the_wait_for_conferences(bridge, clock):
    bridge.handle("POST", "/test/conferences", {"count": 1, "duration": 600})
    bridge.handle("POST", "/colibri/shutdown", {"graceful-shutdown": False})
    assert bridge.stats()["shutting_down"] is True
    clock.now += 60
    assert bridge.tick() is True


@pytest.mark.parametrize("body", [{}, {"graceful-shutdown": "yes"}, {"graceful": True}])
def test_shutdown_needs_the_graceful_flag(bridge, body):
    assert bridge.handle("POST", "/colibri/shutdown", body)[0] == 400


@pytest.mark.parametrize("body", [{}, {"count": "x", "duration": 1}, {"count": 0, "duration": 1},
                                  {"count": 1, "duration": 0}])
def test_bad_conference_requests_are_refused(bridge, body):
    assert bridge.handle("POST", "/test/conferences", body)[0] == 400


# jicofo ------------------------------------------------------------------------------------------

BREWERY = "jvbbrewery@internal.auth.meet.test"


def _jicofo(clock, extra=""):
    text = ('jicofo { xmpp.client { domain = "auth.meet.test", xmpp-domain = "meet.test", password = "pw" }, '
            f'bridge.brewery-jid = "{BREWERY}", {extra} }}')
    return JicofoState(config.jicofo_config(hocon.loads(text)), "1.0-9001-1", clock=clock)


@pytest.fixture
def jicofo(clock):
    return _jicofo(clock)


def _with_health(state, clock):
    async def check():
        return state.no_bridge_result() or Result()

    state.health = HealthChecker(state.config.health, check, clock)
    return state


def test_jicofo_health_is_404_unless_enabled(jicofo):
    assert jicofo.handle("GET", "/about/health", {})[0] == 404
    assert "healthy" not in jicofo.stats() and "health" not in jicofo.stats()


def test_jicofo_health_ok_before_the_first_check_then_no_bridge_is_a_hard_failure(jicofo, clock):
    _with_health(jicofo, clock)
    assert jicofo.handle("GET", "/about/health", {}) == (200, "OK")
    asyncio.run(jicofo.health.run_once())
    assert jicofo.handle("GET", "/about/health", {}) == (
        500, "No operational bridges available (total bridge count: 0)")
    stats = jicofo.stats()
    assert stats["healthy"] is False and stats["health"]["hardFailure"] is True and stats["slow_health_check"] == 0
    jicofo.update_bridge(f"{BREWERY}/jvb-01", {"conferences": 0})
    asyncio.run(jicofo.health.run_once())
    assert jicofo.handle("GET", "/about/health", {}) == (200, "OK")


def test_jicofo_stats_shape(jicofo):
    jicofo.update_bridge(f"{BREWERY}/jvb-01", {"region": "eu", "conferences": 2, "participants": 5,
                                              "version": "2.3-9001-g0a1b2c3d4-1", "total_conferences_created": 4})
    jicofo.update_bridge(f"{BREWERY}/jvb-02", {"region": "us", "conferences": 1, "participants": 2,
                                              "version": "2.3-9002-g1b2c3d4e5-1", "graceful_shutdown": True})
    stats = jicofo.handle("GET", "/stats", {})[1]
    assert "bridge_count" not in stats and "operational_bridge_count" not in stats
    assert (stats["conferences"], stats["participants"], stats["total_conferences_created"]) == (3, 7, 4)
    assert stats["bridge_selector"] == {"bridge_count": 2, "operational_bridge_count": 2,
                                        "in_shutdown_bridge_count": 1, "lost_bridges": 0, "bridge_version_count": 2}
    assert stats["version"] == "1.0-9001-1"
    # The health check counts only bridges not in graceful shutdown.
    assert jicofo.operational_bridge_count == 1


def test_failed_health_check_keeps_a_bridge_non_operational_for_the_reset_threshold(jicofo, clock):
    jid = f"{BREWERY}/jvb-01"
    jicofo.update_bridge(jid, {})
    bridge = jicofo.bridges[jid]
    bridge.health_check("failed")
    assert jicofo.selector_stats()["operational_bridge_count"] == 0
    assert jicofo.no_bridge_result().message == "No operational bridges available (total bridge count: 1)"
    bridge.health_check("passed")
    assert not bridge.operational  # still within failure-reset-threshold (1 minute)
    clock.now += 60
    assert bridge.operational and jicofo.no_bridge_result() is None
    bridge.health_check("timed out")
    assert not bridge.operational


def test_presence_based_health(jicofo, clock):
    jid = f"{BREWERY}/jvb-01"
    jicofo.update_bridge(jid, {"healthy": False})
    assert jicofo.bridges[jid].presence_health(45) == "failed"
    jicofo.update_bridge(jid, {"healthy": True})
    assert jicofo.bridges[jid].presence_health(45) == "passed"
    clock.now += 46
    assert jicofo.bridges[jid].presence_health(45) == "timed out"


def test_graceful_shutdown_is_sticky_and_a_bridge_leaving_without_it_is_lost(jicofo):
    jicofo.update_bridge("b1", {"graceful_shutdown": True})
    jicofo.update_bridge("b1", {"graceful_shutdown": False})
    assert jicofo.bridges["b1"].in_graceful_shutdown
    jicofo.update_bridge("b2", {})
    jicofo.remove_bridge("b1")
    jicofo.remove_bridge("b2")
    assert jicofo.selector_stats()["lost_bridges"] == 1


def test_jicofo_debug_lists_the_bridges_unless_disabled(jicofo, clock):
    jicofo.update_bridge(f"{BREWERY}/jvb-01", {"region": "eu", "drain": False, "version": "v"})
    debug = jicofo.handle("GET", "/debug", {})[1]
    assert debug["bridge_selector"]["strategy"] == "SingleBridgeSelectionStrategy"
    bridge = debug["bridge_selector"]["bridge"][f"{BREWERY}/jvb-01"]
    assert (bridge["region"], bridge["drain"], bridge["operational"], bridge["version"]) == ("eu", False, True, "v")
    assert _jicofo(clock, "rest.debug.enabled = false").handle("GET", "/debug", {})[0] == 404


def test_jicofo_test_state(jicofo):
    jicofo.update_bridge(f"{BREWERY}/jvb-01", {"region": "eu"})
    state = jicofo.handle("GET", "/test/state", {})[1]
    assert state["bridges"] == {f"{BREWERY}/jvb-01": {"stats": {"region": "eu"}, "operational": True,
                                                      "health_check": None}}
    assert (state["octo_enabled"], state["health"], state["xmpp_connected"]) == (False, None, False)


def test_jicofo_version_and_unknown_routes(jicofo):
    assert jicofo.handle("GET", "/about/version", {}) == (200, {"name": "Jicofo", "version": "1.0-9001-1",
                                                               "os": "Linux"})
    assert jicofo.handle("GET", "/nope", {})[0] == 404
    assert jicofo.handle("POST", "/stats", {})[0] == 405
