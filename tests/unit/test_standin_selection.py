"""Jicofo stand-in's bridge selection (selection.py), with upstream's RegionBasedSelectionTest cases
(jicofo @7ebb13dc jicofo-selector/src/test/kotlin/org/jitsi/jicofo/bridge/RegionBasedSelectionTest.kt)."""

from dataclasses import dataclass

import pytest

from jitsi_standin import config, hocon, selection
from jitsi_standin.selection import ConferenceBridge as P


@dataclass(eq=False)
class FakeBridge:
    region: str
    corrected_stress: float
    relay_id: str = "dummy"
    operational: bool = True
    shutting_down: bool = False
    in_graceful_shutdown: bool = False
    draining: bool = False
    full_version: str = "2.3-1"
    jid: str = ""


REGIONS = ["ap-south", "eu-central", "eu-west", "us-east", "us-west"]
LEVELS = {"Low": 0.0, "Medium": 0.3, "High": 0.9}
MAX_BP = 10


@pytest.fixture
def bridges():
    return {r: {level: FakeBridge(r, s, jid=f"{r}-{level}") for level, s in LEVELS.items()} for r in REGIONS}


def _all(bridges):
    return [b for r in REGIONS for b in bridges[r].values()]


def _strategy(groups=False):
    settings = selection.Settings(selection_strategy="RegionBasedBridgeSelectionStrategy", octo_enabled=True,
                                  max_bridge_participants=MAX_BP)
    if groups:
        tree = hocon.loads('jicofo.bridge.region-groups = [ [ "us-east", "us-west" ], [ "eu-central", "eu-west" ] ]')
        settings.region_groups = config.region_groups(tree)
        settings.region = "us-east"
    return selection.RegionBasedBridgeSelectionStrategy(settings)


def _select(strategy, bridges, conference=None, region=None, pool=None):
    return strategy.select(pool if pool is not None else _all(bridges), conference or {}, region, True)


def test_region_based_in_a_single_region(bridges):
    s, b = _strategy(), bridges
    assert _select(s, b).corrected_stress == 0.0
    assert _select(s, b, region="ap-south") is b["ap-south"]["Low"]
    assert _select(s, b, {b["ap-south"]["Medium"]: P(1)}, "ap-south") is b["ap-south"]["Medium"]
    assert _select(s, b, {b["ap-south"]["Medium"]: P(MAX_BP)}, "ap-south") is b["ap-south"]["Low"]
    assert _select(s, b, {b["ap-south"]["Low"]: P(MAX_BP)}, "ap-south") is b["ap-south"]["Medium"]
    both = {b["ap-south"]["Low"]: P(2), b["ap-south"]["Medium"]: P(1)}
    assert _select(s, b, both, "ap-south") is b["ap-south"]["Low"]
    assert _select(s, b, both) is b["ap-south"]["Low"]


def test_region_based_in_multiple_regions(bridges):
    s, b = _strategy(), bridges
    conf = {b["ap-south"]["Low"]: P(2), b["eu-west"]["Medium"]: P(1), b["eu-west"]["High"]: P(1)}
    assert _select(s, b, conf) is b["ap-south"]["Low"]
    assert _select(s, b, conf, "eu-west") is b["eu-west"]["Medium"]
    assert _select(s, b, conf, "eu-central") is b["eu-central"]["Low"]
    conf[b["eu-central"]["Low"]] = P(MAX_BP)
    assert _select(s, b, conf, "eu-central") is b["eu-central"]["Medium"]


def test_region_based_with_region_groups(bridges):
    s, b = _strategy(groups=True), bridges
    assert _select(s, b, region="ap-south") is b["ap-south"]["Low"]
    assert _select(s, b, region="eu-west") is b["eu-west"]["Low"]
    no_eu_west = [x for x in _all(b) if x.region != "eu-west"]
    assert _select(s, b, region="eu-west", pool=no_eu_west) is b["eu-central"]["Low"]
    assert _select(s, b, {b["us-east"]["Low"]: P(1)}, "eu-west", pool=no_eu_west) is b["eu-central"]["Low"]
    conf = {b["ap-south"]["Low"]: P(2), b["eu-west"]["Medium"]: P(1), b["eu-west"]["High"]: P(1),
            b["eu-central"]["Low"]: P(MAX_BP)}
    assert _select(s, b, conf, "eu-central") is b["eu-west"]["Medium"]
    assert _select(s, b, conf, "us-east") is b["us-east"]["Low"]
    # Initial selection in the local region group, but not in the local region.
    assert _select(s, b, {}, "us-west") is b["us-east"]["Low"]


def test_region_groups_from_config():
    tree = hocon.loads('jicofo.bridge.region-groups = [ [ "a", "b" ], [ "c" ] ]\njicofo.octo.allow-mixed-versions = true')
    groups = config.region_groups(tree)
    settings = selection.Settings(region_groups=groups)
    assert selection.region_group(settings, "a") == {"a", "b"}
    assert selection.region_group(settings, "z") == {"z"}
    assert selection.region_group(settings, None) == set()


def test_jicofo_config_reads_the_selection_keys():
    base = 'jicofo.xmpp.client { xmpp-domain = d, domain = auth.d, password = p }\n'
    default = config.jicofo_config(hocon.loads(base))
    assert (default.allow_mixed_versions, default.region_groups, default.stress_threshold,
            default.max_bridge_participants) == (False, {}, 0.8, 80)
    tuned = config.jicofo_config(hocon.loads(base + 'jicofo { octo.allow-mixed-versions = true\n'
                                             'bridge.region-groups = [["x", "y"]]\nbridge.stress-threshold = 0.5 }'))
    assert tuned.allow_mixed_versions and tuned.region_groups["x"] == {"x", "y"} and tuned.stress_threshold == 0.5


def _settings(**kw):
    return selection.Settings(**{"selection_strategy": "RegionBasedBridgeSelectionStrategy", "octo_enabled": True,
                                 **kw})


def test_selector_filters_and_preferences():
    a, b = FakeBridge("r", 0.5, jid="a"), FakeBridge("r", 0.1, jid="b")
    assert selection.select_bridge([a, b], {}, None, _settings()) is b  # least stress first
    b.draining = True
    assert selection.select_bridge([a, b], {}, None, _settings()) is a  # prefer not draining
    a.in_graceful_shutdown = True
    # Not draining is preferred first: a draining bridge loses even to one in graceful shutdown.
    assert selection.select_bridge([a, b], {}, None, _settings()) is a
    b.draining = False
    a.corrected_stress = 0.0
    assert selection.select_bridge([a, b], {}, None, _settings()) is b  # prefer not in graceful shutdown
    b.shutting_down = True
    assert selection.select_bridge([a, b], {}, None, _settings()) is a  # never shutting down
    a.operational = False
    assert selection.select_bridge([a, b], {}, None, _settings()) is None


def test_version_pinning_unless_mixed_versions_are_allowed():
    old = FakeBridge("eu", 0.0, jid="old", full_version="2.3-1")
    new = FakeBridge("us", 0.0, jid="new", full_version="2.3-2")
    pool = [old, new]
    assert selection.select_bridge(pool, {old: P(1)}, "us", _settings()) is old
    assert selection.select_bridge([new], {old: P(1)}, "us", _settings()) is None
    assert selection.select_bridge(pool, {old: P(1)}, "us", _settings(allow_mixed_versions=True)) is new
    assert selection.select_bridge(pool, {old: P(1)}, "us", _settings(), version="2.3-2") is None


def test_octo_disabled_or_no_relay_id_keeps_the_existing_bridge():
    eu, us = FakeBridge("eu", 0.5, jid="eu"), FakeBridge("us", 0.0, jid="us")
    assert selection.select_bridge([eu, us], {eu: P(1)}, "us", _settings(octo_enabled=False)) is eu
    eu.relay_id = None
    assert selection.select_bridge([eu, us], {eu: P(1)}, "us", _settings()) is eu
    eu.relay_id = "eu"
    assert selection.select_bridge([eu, us], {eu: P(1)}, "us", _settings()) is us


def test_single_bridge_strategy():
    eu, us = FakeBridge("eu", 0.5, jid="eu"), FakeBridge("us", 0.0, jid="us")
    single = _settings(selection_strategy="SingleBridgeSelectionStrategy")
    assert selection.select_bridge([eu, us], {}, "eu", single) is eu  # least loaded in the region
    assert selection.select_bridge([eu, us], {}, "ap", single) is us  # else least loaded
    assert selection.select_bridge([eu, us], {eu: P(3)}, "us", single) is eu


def test_split_and_intra_region_strategies():
    a, b = FakeBridge("r", 0.0, jid="a"), FakeBridge("r", 0.1, jid="b")
    split = _settings(selection_strategy="org.jitsi.jicofo.bridge.SplitBridgeSelectionStrategy", octo_enabled=False)
    assert selection.select_bridge([a, b], {a: P(1)}, None, split) is b
    assert selection.select_bridge([a, b], {a: P(2), b: P(1)}, None, split) is b
    intra = _settings(selection_strategy="IntraRegionBridgeSelectionStrategy")
    hot = FakeBridge("r", 0.9, jid="hot")
    assert selection.select_bridge([hot, b], {hot: P(1)}, None, intra) is b


def test_overload_by_stress_threshold():
    hot, cool = FakeBridge("eu", 0.85, jid="hot"), FakeBridge("us", 0.2, jid="cool")
    assert selection.select_bridge([hot, cool], {}, "eu", _settings()) is cool
    assert selection.select_bridge([hot, cool], {}, "eu", _settings(stress_threshold=0.9)) is hot
