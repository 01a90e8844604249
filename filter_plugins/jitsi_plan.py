"""The cluster plan, computed once per run by roles/jitsi_validate (pure, unit-tested).

One call reads the inventory once (jitsi_inventory.snapshot), runs every check of the shard
model and the overlay, and builds the shard table and the overlay plan. Ansible then publishes
the result to every host by reference: no host recomputes it, and the big structures are
templated once instead of once per check.
"""

import importlib.util
import pathlib
import sys


def _sibling(name):
    # Filter plugins are loaded by Ansible as separate modules; the plan composes two of them.
    # Loaded once per process under a fixed name, however often Ansible loads this plugin.
    key = f"jitsi_shards_filter_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, pathlib.Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[key] = module
    return sys.modules[key]


inventory = _sibling("jitsi_inventory")
overlay = _sibling("jitsi_overlay")
autoscale = _sibling("jitsi_autoscale")
auth = _sibling("jitsi_auth")
acme = _sibling("jitsi_acme")
turn = _sibling("jitsi_turn")
regions = _sibling("jitsi_regions")


def cluster_plan(groups, hostvars, settings):
    """{errors} when the inventory has problems, else {errors: [], shards, host_shards, overlay}.

    settings: defaults ({pool_size, region, autoscale}: role defaults are not in hostvars), seed_defined,
    front_external (jitsi_front_external), member_groups and cidrs ({variable name: block}) of
    the overlay, auth_defaults (the authentication settings' role defaults, by variable name);
    acme (the ACME settings, see jitsi_acme.acme_errors; optional); turn (the TURN settings, see
    jitsi_turn.turn_errors; optional); regions ({groups: jitsi_region_groups, overlay_scope,
    overlay_links}; optional).
    """
    snapshot = inventory.snapshot(groups, hostvars, inventory.SNAPSHOT_KEYS + auth.SNAPSHOT_KEYS)
    members = overlay.members(groups, settings["member_groups"])
    errors = inventory.inventory_errors(groups, snapshot, settings["defaults"], settings["seed_defined"])
    errors += inventory.front_errors(groups, settings.get("front_external", False))
    errors += overlay.overlay_errors(members, snapshot, settings["cidrs"])
    shards = inventory.shard_table(groups, snapshot, settings["defaults"])
    errors += autoscale.autoscale_errors(shards, groups, snapshot, members)
    errors += auth.auth_errors(groups, snapshot, settings.get("auth_defaults", {}))
    if settings.get("acme"):
        errors += acme.acme_errors(dict(settings["acme"], haproxy=groups.get("haproxy", [])))
    if settings.get("turn"):
        errors += turn.turn_errors(dict(settings["turn"], turn_hosts=groups.get("turn", []),
                                        haproxy=groups.get("haproxy", [])), inventory.is_dns_name)
    member_regions = overlay.regions(members, snapshot)
    if settings.get("regions") is not None and not errors:
        errors += _region_errors(groups, snapshot, shards, member_regions, settings["regions"])
    if errors:
        return {"errors": errors}
    wg_cidr, vx_cidr = settings["cidrs"]["jitsi_overlay_wg_cidr"], settings["cidrs"]["jitsi_overlay_cidr"]
    return {
        "errors": [],
        "shards": shards,
        "host_shards": inventory.host_shards(groups),
        "overlay": {
            "members": members,
            "plan": overlay.addresses(members, snapshot, wg_cidr, vx_cidr),
            "regions": member_regions,
        },
    }


def _region_errors(groups, snapshot, shards, member_regions, settings):
    overlay_peers = {}
    if settings.get("overlay_scope") == "region":
        members = sorted(member_regions)
        links = settings.get("overlay_links") or []
        overlay_peers = {b["host"]: set(overlay.peers(b["host"], members, member_regions, "region", links))
                         for shard in shards.values() for b in shard["bridges"] if b["host"] in member_regions}
    return regions.region_errors(groups, snapshot, shards, {
        "region_groups": settings.get("groups") or [],
        "overlay_peers": overlay_peers,
    })


class FilterModule:
    def filters(self):
        return {"jitsi_cluster_plan": cluster_plan}
