"""The shard model, computed from the inventory: shards, bridge slots, pool credentials.

Pure functions over plain mappings (`groups`, `hostvars`), unit-tested in
tests/unit/test_jitsi_inventory.py. Role defaults are not part of hostvars, so the
`jitsi` role passes them in as `defaults` ({pool_size, mode, region}).
"""

import hashlib
import hmac
import re

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # unit tests run without Ansible
    AnsibleFilterError = ValueError

SHARD_PREFIX = "shard_"
MODES = ("muc", "component")
_TRAILING_NUMBER = re.compile(r"(\d+)$")


def bridge_slot(hostname, explicit=None):
    """Slot of a bridge: the explicit value, else the trailing number of the first DNS label.

    Returns None when there is neither (an ambiguous slot, reported by validation).
    """
    if explicit not in (None, ""):
        try:
            return int(explicit)
        except (TypeError, ValueError):
            return None
    match = _TRAILING_NUMBER.search(str(hostname).split(".", 1)[0])
    return int(match.group(1)) if match else None


def slot_name(slot, pool_size):
    """Stable slot name: jvb-03 (three digits once the pool passes 99)."""
    width = 3 if int(pool_size) > 99 else 2
    return f"jvb-{int(slot):0{width}d}"


def derive_secret(seed, *context):
    """HMAC-SHA256(seed, "jitsi-shards/<context...>") as 64 hex characters."""
    message = "jitsi-shards/" + "/".join(str(c) for c in context)
    return hmac.new(str(seed).encode(), message.encode(), hashlib.sha256).hexdigest()


def _shard_groups(groups):
    return sorted(g for g in groups if g.startswith(SHARD_PREFIX) and len(g) > len(SHARD_PREFIX))


def _membership(groups):
    """host -> list of shard group names it belongs to."""
    member_of = {}
    for group in _shard_groups(groups):
        for host in groups.get(group, []):
            member_of.setdefault(host, []).append(group)
    return member_of


def _pool_size(value):
    """An int for a valid pool size (ints or digit strings), else the value as given."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    return value


def _shard_settings(hostvars, members, defaults):
    """Shard-level knobs as the shard group's vars reach its members (first member wins)."""
    hv = hostvars[members[0]] if members else {}
    return {
        "region": hv.get("jitsi_shard_region", defaults.get("region", "default")),
        "mode": hv.get("jitsi_bridge_mode", defaults.get("mode", "muc")),
        "pool_size": _pool_size(hv.get("jitsi_bridge_pool_size", defaults.get("pool_size", 10))),
    }


def _signal_address(host, hostvars):
    hv = hostvars[host]
    return str(hv.get("jitsi_signal_address") or hv.get("ansible_host") or host)


def shard_table(groups, hostvars, defaults):
    """shard name -> {name, group, region, mode, pool_size, signal, signal_address, bridges}.

    Assumes a valid inventory (see inventory_errors); bridges are sorted by slot.
    """
    signal = set(groups.get("signal", []))
    jvb = set(groups.get("jvb", []))
    table = {}
    for group in _shard_groups(groups):
        members = list(groups.get(group, []))
        settings = _shard_settings(hostvars, members, defaults)
        signals = [h for h in members if h in signal]
        size = settings["pool_size"]
        valid_size = isinstance(size, int) and not isinstance(size, bool) and size >= 1
        bridges = []
        for host in members:
            if host not in jvb:
                continue
            slot = bridge_slot(host, hostvars[host].get("jitsi_bridge_slot"))
            bridges.append({
                "host": host,
                "slot": slot,
                "slot_name": slot_name(slot, size) if slot is not None and valid_size else None,
                "region": hostvars[host].get("jitsi_bridge_region", settings["region"]),
            })
        bridges.sort(key=lambda b: (b["slot"] is None, b["slot"] or 0, b["host"]))
        name = group[len(SHARD_PREFIX):]
        table[name] = {
            "name": name,
            "group": group,
            "region": settings["region"],
            "mode": settings["mode"],
            "pool_size": size,
            "signal": signals[0] if signals else None,
            "signal_address": _signal_address(signals[0], hostvars) if signals else None,
            "bridges": bridges,
        }
    return table


def _pool_size_errors(shard):
    size = shard["pool_size"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        return [f"group {shard['group']}: jitsi_bridge_pool_size is {size!r}; set it to a whole number of at least 1."]
    return []


def _bridge_errors(shard):
    errors = []
    size = shard["pool_size"]
    if len(shard["bridges"]) > size:
        errors.append(
            f"group {shard['group']}: {len(shard['bridges'])} bridges but jitsi_bridge_pool_size is {size}; "
            f"raise jitsi_bridge_pool_size for {shard['group']} or move bridges to another shard."
        )
    holders = {}
    for bridge in shard["bridges"]:
        host, slot = bridge["host"], bridge["slot"]
        if slot is None:
            errors.append(
                f"host {host}: ambiguous slot (no trailing number in its name and no jitsi_bridge_slot); "
                f"set jitsi_bridge_slot for {host} to a free slot of {shard['group']} (1..{size})."
            )
            continue
        if not 1 <= slot <= size:
            errors.append(
                f"host {host}: jitsi_bridge_slot {slot} is outside the pool of {shard['group']} (1..{size}); "
                f"set jitsi_bridge_slot for {host} to a free slot or raise jitsi_bridge_pool_size."
            )
        holders.setdefault(slot, []).append(host)
    for slot, hosts in sorted(holders.items()):
        if len(hosts) > 1:
            errors.append(
                f"group {shard['group']}: hosts {', '.join(sorted(hosts))} share slot {slot}; "
                f"set jitsi_bridge_slot on all but one of them to a free slot."
            )
    return errors


def inventory_errors(groups, hostvars, defaults, seed_defined):
    """Every problem of the inventory, each naming the host/group/variable and the fix."""
    errors = []
    if not seed_defined:
        errors.append(
            "jitsi_secret_seed is not set: every secret is derived from it. Create one with "
            "`ansible-vault encrypt_string \"$(openssl rand -hex 32)\" --name jitsi_secret_seed` "
            "and put it in group_vars/all."
        )
    if not _shard_groups(groups):
        errors.append("no shard groups: add groups named shard_<name> (children of `shards`) holding the signal and jvb hosts.")
    member_of = _membership(groups)
    for role in ("signal", "jvb"):
        for host in sorted(groups.get(role, [])):
            shards = member_of.get(host, [])
            if not shards:
                errors.append(f"host {host} (group {role}) is in no shard group: add it to exactly one shard_<name> group.")
            elif len(shards) > 1:
                errors.append(
                    f"host {host} is in {' and '.join(shards)}: a host belongs to exactly one shard; remove it from all but one."
                )
    for name, shard in sorted(shard_table(groups, hostvars, defaults).items()):
        signals = [h for h in groups.get(shard["group"], []) if h in set(groups.get("signal", []))]
        if not signals:
            errors.append(f"group {shard['group']} has no signal node: add one host of group signal to {shard['group']}.")
        elif len(signals) > 1:
            errors.append(
                f"group {shard['group']} has {len(signals)} signal nodes ({', '.join(sorted(signals))}): "
                f"a shard has exactly one; move the others to their own shard group."
            )
        if shard["mode"] not in MODES:
            errors.append(f"group {shard['group']}: jitsi_bridge_mode is {shard['mode']!r}; set it to muc or component.")
        size_errors = _pool_size_errors(shard)
        errors += size_errors or _bridge_errors(shard)
    return errors


def host_shard(host, groups):
    """Name of the shard a host belongs to ('' for hosts outside every shard)."""
    shards = _membership(groups).get(host, [])
    return shards[0][len(SHARD_PREFIX):] if shards else ""


def _jid(name, domain, mode):
    return f"{name}.{domain}" if mode == "component" else f"{name}@auth.{domain}"


def bridge_pool(shard, pool_size, domain, seed, mode):
    """Every slot of a shard's pool with its credentials (Prosody's side of the pool)."""
    return [
        {
            "slot": slot,
            "name": slot_name(slot, pool_size),
            "username": slot_name(slot, pool_size),
            "jid": _jid(slot_name(slot, pool_size), domain, mode),
            "secret": derive_secret(seed, shard, "bridge", slot),
        }
        for slot in range(1, int(pool_size) + 1)
    ]


def bridge_credentials(host, shard, domain, seed):
    """One bridge's side of the pool: its slot, JID, secret, region and Prosody address."""
    for bridge in shard["bridges"]:
        if bridge["host"] == host:
            return {
                "slot": bridge["slot"],
                "name": bridge["slot_name"],
                "username": bridge["slot_name"],
                "jid": _jid(bridge["slot_name"], domain, shard["mode"]),
                "secret": derive_secret(seed, shard["name"], "bridge", bridge["slot"]),
                "region": bridge["region"],
                "xmpp_host": shard["signal_address"],
            }
    raise AnsibleFilterError(f"host {host} is not a bridge of shard {shard['name']}: add it to groups jvb and {shard['group']}.")


def prosody_accounts(pool, focus_password, domain, mode):
    """Accounts Prosody must hold: the focus user, plus one per slot in muc mode."""
    accounts = [{"user": "focus", "host": f"auth.{domain}", "password": focus_password}]
    if mode == "muc":
        accounts += [{"user": s["username"], "host": f"auth.{domain}", "password": s["secret"]} for s in pool]
    return accounts


class FilterModule:
    def filters(self):
        return {
            "jitsi_bridge_slot": bridge_slot,
            "jitsi_derive_secret": derive_secret,
            "jitsi_shard_table": shard_table,
            "jitsi_inventory_errors": inventory_errors,
            "jitsi_bridge_pool": bridge_pool,
            "jitsi_bridge_credentials": bridge_credentials,
            "jitsi_prosody_accounts": prosody_accounts,
            "jitsi_host_shard": host_shard,
        }
