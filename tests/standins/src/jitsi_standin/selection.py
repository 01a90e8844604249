"""Jicofo's bridge selection (pure, unit-tested).

Modelled on jicofo @7ebb13dc, jicofo-selector bridge/: BridgeSelector.kt selectBridge (the filters and
preferences), Bridge.kt compareTo (the sort order), BridgeSelectionStrategy.kt (select and the helper
rules), RegionBasedBridgeSelectionStrategy.kt, SingleBridgeSelectionStrategy.kt,
SplitBridgeSelectionStrategy.kt, IntraRegionBridgeSelectionStrategy.kt and BridgeConfig.kt
(getRegionGroup). A bridge is any object with: region, relay_id, operational, shutting_down,
in_graceful_shutdown, draining, full_version and corrected_stress. conference_bridges maps the bridges a
conference already uses to their ConferenceBridge properties, in the order the conference got them.
"""

import logging
from dataclasses import dataclass, field

log = logging.getLogger("jitsi_standin.selection")


@dataclass
class ConferenceBridge:
    """ConferenceBridgeProperties: the conference's participants on that bridge, and how many it added to
    it within max-bridge-participants-interval (Colibri2Session.recentlyAddedEndpointCount)."""
    participants: int = 0
    recently_added: int = 0


@dataclass
class Settings:
    """What the selection reads from jicofo.conf (JicofoConfig in config.py holds the same names)."""
    selection_strategy: str = "SingleBridgeSelectionStrategy"
    octo_enabled: bool = False
    allow_mixed_versions: bool = False
    region: str = None  # jicofo.local-region
    region_groups: dict = field(default_factory=dict)
    stress_threshold: float = 0.8
    max_bridge_participants: int = 80
    max_bridge_participants_per_interval: int = -1


def region_group(settings, region):
    """BridgeConfig.getRegionGroup: no region -> empty; a region in no group is a group of its own."""
    if region is None:
        return frozenset()
    return settings.region_groups.get(region, frozenset([region]))


def _priority(bridge):
    """Bridge.getPriority: operational 1, operational in graceful shutdown 2, not operational 3."""
    if bridge.operational:
        return 2 if bridge.in_graceful_shutdown else 1
    return 3


def sort_key(bridge):
    """Bridge.compare: by priority, then by corrected stress (lower first). Kotlin's sort is stable,
    and so is Python's."""
    return _priority(bridge), bridge.corrected_stress


def overloaded(bridge, settings):
    """Bridge.isOverloaded: corrected stress >= jicofo.bridge.stress-threshold."""
    return bridge.corrected_stress >= settings.stress_threshold


class Strategy:
    """BridgeSelectionStrategy.kt."""

    def __init__(self, settings):
        self.settings = settings

    # The overload rules for one conference --------------------------------------------------------
    def _max_participants(self, bridge, conference_bridges):
        limit = self.settings.max_bridge_participants
        return limit > 0 and bridge in conference_bridges and conference_bridges[bridge].participants >= limit

    def _max_recent(self, bridge, conference_bridges):
        limit = self.settings.max_bridge_participants_per_interval
        props = conference_bridges.get(bridge)
        return limit > 0 and (props.recently_added if props else 0) >= limit

    def _overloaded_for(self, bridge, conference_bridges):
        return overloaded(bridge, self.settings) or self._max_participants(bridge, conference_bridges) \
            or self._max_recent(bridge, conference_bridges)

    def _not_loaded_in_conference(self, bridges, conference_bridges):
        # filterNot { overloaded }.intersect(conferenceBridges.keys): the order of `bridges` is kept.
        return [b for b in bridges if not self._overloaded_for(b, conference_bridges) and b in conference_bridges]

    # The rules --------------------------------------------------------------------------------------
    def not_loaded_already_in_conference_in_region(self, bridges, conference_bridges, region):
        return next((b for b in self._not_loaded_in_conference(bridges, conference_bridges)
                     if region is not None and b.region == region), None)

    def not_loaded_already_in_conference_in_region_group(self, bridges, conference_bridges, region):
        group = region_group(self.settings, region)
        return next((b for b in self._not_loaded_in_conference(bridges, conference_bridges) if b.region in group),
                    None)

    def not_loaded_in_region(self, bridges, conference_bridges, region):
        return next((b for b in bridges if not self._overloaded_for(b, conference_bridges)
                     and region is not None and b.region == region), None)

    def not_loaded_in_region_group(self, bridges, conference_bridges, region):
        group = region_group(self.settings, region)
        return next((b for b in bridges if not self._overloaded_for(b, conference_bridges) and b.region in group),
                    None)

    def not_loaded(self, bridges, _conference_bridges):
        # Upstream uses the bridge's own isOverloaded here, not the per-conference one.
        return next((b for b in bridges if not overloaded(b, self.settings)), None)

    def least_loaded_already_in_conference_in_region(self, bridges, conference_bridges, region):
        return next((b for b in bridges if b in conference_bridges and region is not None and b.region == region),
                    None)

    def least_loaded_not_maxed_already_in_conference(self, bridges, conference_bridges):
        return next((b for b in bridges if b in conference_bridges
                     and not self._max_participants(b, conference_bridges)), None)

    def least_loaded_in_region(self, bridges, _conference_bridges, region):
        return next((b for b in bridges if region is not None and b.region == region), None)

    def not_loaded_already_in_conference(self, bridges, conference_bridges):
        return next(iter(self._not_loaded_in_conference(bridges, conference_bridges)), None)

    def least_loaded(self, bridges, _conference_bridges):
        return bridges[0] if bridges else None

    # BridgeSelectionStrategy.select ----------------------------------------------------------------
    def select(self, bridges, conference_bridges, region, allow_multi_bridge):
        if not conference_bridges:
            bridge = self.do_select(bridges, conference_bridges, region)
            if bridge is None:
                log.warning("Failed to select initial bridge for participant region=%s", region)
            return bridge
        existing = next(iter(conference_bridges))
        if not allow_multi_bridge or existing.relay_id is None:
            log.info("Existing bridge does not have a relay, will not consider other bridges.")
            return existing
        bridge = self.do_select(bridges, conference_bridges, region)
        if bridge is None:
            log.warning("Failed to select bridge for participant region=%s", region)
        return bridge

    def do_select(self, bridges, conference_bridges, region):
        raise NotImplementedError


class SingleBridgeSelectionStrategy(Strategy):
    def do_select(self, bridges, conference_bridges, region):
        if not conference_bridges:
            return self.least_loaded_in_region(bridges, {}, region) or self.least_loaded(bridges, {})
        if len(conference_bridges) != 1:
            log.error("Unexpected number of bridges with SingleBridgeSelectionStrategy: %d", len(conference_bridges))
            return None
        bridge = next(iter(conference_bridges))
        if not bridge.operational:
            log.error("The conference already has a bridge, but it is not operational: bridge=%s", bridge)
            return None
        return bridge


class RegionBasedBridgeSelectionStrategy(Strategy):
    def do_select(self, bridges, conference_bridges, participant_region):
        if not bridges:
            return None
        local = self.settings.region
        region = participant_region if participant_region is not None else local
        if local is not None:
            group = region_group(self.settings, region)
            if not conference_bridges and region != local and local in group:
                # An initial bridge for a participant outside the local region but in its group: the other
                # participant is most likely local, so prefer the local region for both.
                region = local
            # No bridge in the participant's region (group): select from the local region instead.
            if not any(b.region in group for b in bridges):
                region = local
        return (self.not_loaded_already_in_conference_in_region(bridges, conference_bridges, region)
                or self.not_loaded_already_in_conference_in_region_group(bridges, conference_bridges, region)
                or self.not_loaded_in_region(bridges, conference_bridges, region)
                or self.not_loaded_in_region_group(bridges, conference_bridges, region)
                or self.not_loaded_already_in_conference(bridges, conference_bridges)
                or self.not_loaded(bridges, conference_bridges)
                or self.least_loaded_not_maxed_already_in_conference(bridges, conference_bridges)
                or self.least_loaded(bridges, conference_bridges))

    def select(self, bridges, conference_bridges, region, allow_multi_bridge):
        if not allow_multi_bridge:
            log.warning("Octo is disabled, but the selection strategy is RegionBased. Enable octo in jicofo.conf "
                        "to allow use of multiple bridges in a conference.")
        return super().select(bridges, conference_bridges, region, allow_multi_bridge)


class SplitBridgeSelectionStrategy(Strategy):
    def do_select(self, bridges, conference_bridges, region):
        fresh = next((b for b in bridges if b not in conference_bridges), None)
        if fresh is not None:
            return fresh
        used = [(props.participants, n, b) for n, (b, props) in enumerate(conference_bridges.items()) if b in bridges]
        return min(used, key=lambda t: (t[0], t[1]))[2] if used else None

    def select(self, bridges, conference_bridges, region, allow_multi_bridge):
        if not allow_multi_bridge:
            log.warning("Force-enabling octo for SplitBridgeSelectionStrategy. To suppress this warning, enable "
                        "octo in jicofo.conf.")
        return super().select(bridges, conference_bridges, region, True)


class IntraRegionBridgeSelectionStrategy(Strategy):
    def do_select(self, bridges, conference_bridges, region):
        if not bridges:
            return None
        if not conference_bridges:
            return self.not_loaded_in_region(bridges, conference_bridges, region) \
                or self.least_loaded(bridges, conference_bridges)
        conference_region = next(iter(conference_bridges)).region
        return (self.not_loaded_already_in_conference_in_region(bridges, conference_bridges, conference_region)
                or self.not_loaded_in_region(bridges, conference_bridges, conference_region)
                or self.least_loaded_already_in_conference_in_region(bridges, conference_bridges,
                                                                     conference_region))


STRATEGIES = {cls.__name__: cls for cls in (SingleBridgeSelectionStrategy, RegionBasedBridgeSelectionStrategy,
                                            SplitBridgeSelectionStrategy, IntraRegionBridgeSelectionStrategy)}


def strategy(settings):
    """BridgeSelector's strategy from jicofo.bridge.selection-strategy (a simple class name or a fully
    qualified one). Upstream fails to start on an unknown one; the stand-in falls back to Single and
    logs it (config errors are reported at start by config.py's users)."""
    name = settings.selection_strategy.rsplit(".", 1)[-1]
    cls = STRATEGIES.get(name)
    if cls is None:
        log.error("Unknown bridge selection strategy %s: using SingleBridgeSelectionStrategy", name)
        cls = SingleBridgeSelectionStrategy
    return cls(settings)


def select_bridge(bridges, conference_bridges, region, settings, version=None, chosen=None):
    """BridgeSelector.selectBridge: the known bridges sorted, then filtered (operational, not shutting
    down, the conference's version unless allow-mixed-versions), preferring bridges that do not drain
    and are not in graceful shutdown; the strategy chooses among what is left."""
    pinned = next(iter(conference_bridges)).full_version if conference_bridges else None
    if pinned is None:
        pinned = version
    elif version is not None and version != pinned:
        log.warning("An inconsistent version was requested: %s. Conference is using version: %s", version, pinned)
        return None
    candidates = [b for b in sorted(bridges, key=sort_key) if b.operational]
    if not candidates:
        log.warning("There are no operational bridges.")
        return None
    candidates = [b for b in candidates if not b.shutting_down]
    if not candidates:
        log.warning("All operational bridges are SHUTTING_DOWN")
        return None
    if pinned is not None and not settings.allow_mixed_versions:
        candidates = [b for b in candidates if b.full_version == pinned]
        if not candidates:
            log.warning("There are no bridges with the required version: %s", pinned)
            return None
    active = [b for b in candidates if not b.draining]
    if active:
        candidates = active
    running = [b for b in candidates if not b.in_graceful_shutdown]
    if running:
        candidates = running
    return (chosen or strategy(settings)).select(candidates, conference_bridges, region, settings.octo_enabled)
