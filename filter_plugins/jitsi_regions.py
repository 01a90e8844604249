"""Regions end to end: where participants are, which bridges serve them, which shards a front
prefers (pure, unit-tested in tests/unit/test_jitsi_regions.py).

A region is a name the inventory gives to bridges (jitsi_region, else their shard's
jitsi_shard_region) and to HAProxy nodes (jitsi_region). An HAProxy node sends its region to
Prosody in the X-Proxy-Region header; Prosody puts it in the participant's presence, and Jicofo's
RegionBasedBridgeSelectionStrategy puts the participant on a bridge of that region (or of its
group, jitsi_region_groups), relaying between the bridges of one conference. Composed into the
cluster plan by jitsi_plan.cluster_plan, once per run.
"""


def bridge_regions(shards):
    """Every region some bridge of the cluster is in."""
    return {b["region"] for shard in shards.values() for b in shard["bridges"]}


def _listing(regions):
    return ", ".join(sorted(regions)) or "none"


def _group_errors(groups, known):
    if not isinstance(groups, (list, tuple)) or not all(
            isinstance(g, (list, tuple)) and all(isinstance(r, str) for r in g) for g in groups):
        return [f"jitsi_region_groups must be a list of region lists, e.g. [[eu-central, eu-west], [us-east, us-west]], "
                f"not {groups!r}."]
    errors, seen = [], {}
    for index, group in enumerate(groups):
        for region in group:
            if region not in known:
                errors.append(f"jitsi_region_groups[{index}] names region {region!r}, which no bridge is in (bridge regions: "
                              f"{_listing(known)}): fix the name, or give bridges that region with jitsi_region.")
            elif region in seen and seen[region] != index:
                errors.append(f"jitsi_region_groups puts region {region!r} in groups {seen[region]} and {index}: Jicofo "
                              f"keeps only the last one (BridgeConfig.regionGroups); list each region in one group.")
            seen.setdefault(region, index)
    return errors


def region_errors(groups, snapshot, shards, settings):
    """Every problem with regions, naming the host, group or variable and the fix.

    settings: region_groups (jitsi_region_groups), overlay_peers (overlay member bridge -> its overlay
    peers; empty when every member peers with every other).
    """
    known = bridge_regions(shards)
    errors = _group_errors(settings.get("region_groups") or [], known)
    for host in sorted(groups.get("signal", [])):
        if snapshot[host].get("jitsi_region"):
            errors.append(f"host {host} (group signal) sets jitsi_region: Jicofo's region is its shard's; set "
                          f"jitsi_shard_region on the shard group instead, and jitsi_region only on bridges and HAProxy nodes.")
    for host in sorted(groups.get("haproxy", [])):
        region = snapshot[host].get("jitsi_region")
        if region and known and region not in known:
            errors.append(f"host {host} (group haproxy): jitsi_region {region!r} has no bridge (bridge regions: "
                          f"{_listing(known)}): its participants would ask Jicofo for a region no bridge serves; use one "
                          f"of those, or leave jitsi_region unset for no region preference.")
    for name, shard in sorted(shards.items()):
        mine = {b["region"] for b in shard["bridges"]}
        if mine and shard["region"] not in mine:
            errors.append(f"group {shard['group']}: jitsi_shard_region {shard['region']!r} has none of the shard's bridges "
                          f"(they are in {_listing(mine)}): Jicofo places participants without a region there, and HAProxy "
                          f"nodes of that region prefer the shard; set it to a region of its bridges, or move a bridge there.")
    errors += _relay_path_errors(shards, settings)
    return errors


def _relay_path_errors(shards, settings):
    """Bridges of one shard relay to each other, and the firewall lets relays ride only the
    overlay: two bridges of a shard that are members but not overlay peers would have no path."""
    peers = settings.get("overlay_peers") or {}
    errors = []
    for name, shard in sorted(shards.items()):
        hosts = [b["host"] for b in shard["bridges"] if b["host"] in peers]
        for i, one in enumerate(hosts):
            for other in hosts[i + 1:]:
                if other not in peers.get(one, ()):
                    errors.append(f"bridges {one} and {other} (shard {name}) are overlay members but not overlay peers "
                                  f"(jitsi_overlay_scope: region): relays between them ride only the overlay; link their "
                                  f"regions in jitsi_overlay_region_links, or use jitsi_overlay_scope: mesh.")
    return errors


class FilterModule:
    """Ansible loads every file here as a filter plugin; this one is used through jitsi_plan only."""

    def filters(self):
        return {}
