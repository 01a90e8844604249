"""The shard model, computed from the inventory: shards, bridge slots, pool credentials.

Pure functions over plain mappings (`groups`, `hostvars`), unit-tested in
tests/unit/test_jitsi_inventory.py. Role defaults are not part of hostvars, so
roles/jitsi_validate passes them in as `defaults` ({pool_size, region}), read from
roles/jitsi/defaults/main.yml.

Bridges register the way current Jitsi has them register since 2020: a c2s login per pool
slot on the auth domain, then presence in the brewery MUC (XEP-0114 component bridges were
removed from jitsi-videobridge in 83195fcd1 and from Jicofo's discovery in 47165bdc5).
"""

import hashlib
import hmac
import ipaddress
import re

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # unit tests run without Ansible
    AnsibleFilterError = ValueError

SHARD_PREFIX = "shard_"
_TRAILING_NUMBER = re.compile(r"(\d+)$")
# Shard names and regions end up unquoted in HAProxy's config (server names, header values), in
# response headers and in the bridges' and Jicofo's config: each must be a lowercase DNS label.
DNS_LABEL = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
_DNS_LABEL = re.compile(DNS_LABEL[1:-1])  # used with fullmatch: `$` would let a trailing newline pass
_DIGITS = re.compile(r"[0-9]+")
# The groups that give a host its role; a host has exactly one of them.
ROLE_GROUPS = ("signal", "jvb", "haproxy")
# Each region variable, and where its value ends up (said in its validation message).
REGION_KEYS = {
    "jitsi_shard_region": "a shard's region goes unquoted into HAProxy's config, into the x-jitsi-region header "
                          "and into Jicofo's and the bridges' config",
    "jitsi_region": "a bridge's region goes into its jvb.conf (Jicofo's region-based bridge selection compares it), "
                    "an HAProxy node's into the X-Proxy-Region header that tells Jicofo where its participants are",
    "jitsi_overlay_region": "overlay regions are matched against jitsi_shard_region and jitsi_overlay_region_links "
                            "to pick each member's peers",
}

# Settings of earlier releases that upstream Jitsi no longer has: an inventory that still sets
# one is refused, so nobody believes a dead knob does something.
RETIRED = {
    "jitsi_bridge_region": "renamed: set jitsi_region (bridges and HAProxy nodes have a region)",
    "jitsi_bridge_mode": "component (XEP-0114) bridges were removed upstream in 2020; bridges always join the brewery MUC",
    "jitsi_videobridge_octo_enabled": "legacy Octo was removed from jitsi-videobridge in 2022; relays replace it "
                                      "(jitsi_videobridge_relay_enabled, jitsi_jicofo_octo_enabled)",
    "jitsi_videobridge_octo_bind_address": "legacy Octo was removed from jitsi-videobridge in 2022",
    "jitsi_videobridge_octo_port": "legacy Octo was removed from jitsi-videobridge in 2022",
    "jitsi_videobridge_tcp_enabled": "ICE/TCP was removed from jitsi-videobridge in 2024; use TURN over TLS instead",
    "jitsi_videobridge_tcp_port": "ICE/TCP was removed from jitsi-videobridge in 2024",
    "jitsi_videobridge_component_port": "component (XEP-0114) bridges were removed upstream in 2020",
    "jitsi_prosody_component_port": "component (XEP-0114) bridges were removed upstream in 2020",
    # Two address settings of earlier releases could disagree; one replaces both.
    "common_address": "renamed: set jitsi_host_address, the one address setting per host",
    "jitsi_overlay_underlay_address": "renamed: set jitsi_host_address, the one address setting per host",
    "common_apt_cache_valid_time": "renamed: set jitsi_apt_cache_valid_time (every role's apt calls read it)",
}

# Version strings as Jitsi's repository has them, per package (empty = the newest).
# jitsi-videobridge2 is `git describe` based (resources/build_deb_package.sh), jicofo
# `1.0-<build>-1`, the jitsi-meet packages `1.0.<build>-1`.
VERSION_FORMATS = {
    "jitsi_videobridge_version": (re.compile(r"^\d+\.\d+-\d+-g[0-9a-f]{7,40}-\d+$"), "2.3-304-g8336f1931-1", "jvb"),
    "jitsi_jicofo_version": (re.compile(r"^\d+\.\d+-\d+-\d+$"), "1.0-1162-1", "signal"),
    "jitsi_web_version": (re.compile(r"^\d+\.\d+\.\d+-\d+$"), "1.0.8792-1", "signal"),
    "jitsi_prosody_plugins_version": (re.compile(r"^\d+\.\d+\.\d+-\d+$"), "1.0.8792-1", "signal"),
}
_HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+:\d{1,5}$")

# Every host variable the plan reads (this module and jitsi_overlay): the inventory is read
# once into plain dicts (`snapshot`), since each `hostvars[host]` builds that host's variables
# anew, and a plan that reads it per host and per check costs O(hosts^2).
SNAPSHOT_KEYS = (
    "ansible_host", "jitsi_signal_address", "jitsi_shard_region", "jitsi_bridge_pool_size", "jitsi_bridge_slot",
    "jitsi_region", "jitsi_overlay_index", "jitsi_overlay_region",
    "jitsi_videobridge_public_address", "jitsi_videobridge_private_address", "jitsi_videobridge_stun_servers",
    "jitsi_autoscale", "jitsi_bridge_standby", *VERSION_FORMATS, *RETIRED,
)


def snapshot(groups, hostvars, keys=SNAPSHOT_KEYS):
    """{host: {key: value}} of every host of the inventory, for the keys the plan reads."""
    found = {}
    for host in groups.get("all", []):
        hv = hostvars[host]
        found[host] = {key: hv[key] for key in keys if key in hv}
    return found


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
    """An int for a valid pool size, else the value as given (reported by validation).

    Digit strings count: `-e jitsi_bridge_pool_size=8` passes "8" as a string, and Ansible's own
    argument specs convert it the same way. Booleans are ints to Python but no pool size.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) or (isinstance(value, str) and _DIGITS.fullmatch(value)):
        return int(value)
    return value


def _shard_settings(hostvars, members, defaults):
    """Shard-level knobs as the shard group's vars reach its members (first member wins)."""
    hv = hostvars[members[0]] if members else {}
    return {
        "region": hv.get("jitsi_shard_region", defaults.get("region", "default")),
        "pool_size": _pool_size(hv.get("jitsi_bridge_pool_size", defaults.get("pool_size", 10))),
        # A mapping merged over the role default (a shard sets only what differs); anything else is
        # kept as given for validation to name (jitsi_autoscale.autoscale_errors).
        "autoscale": _autoscale(hv.get("jitsi_autoscale"), defaults.get("autoscale") or {}),
    }


def _autoscale(value, default):
    if value is None:
        return dict(default)
    return {**default, **value} if isinstance(value, dict) else value


def _signal_address(host, hostvars):
    hv = hostvars[host]
    return str(hv.get("jitsi_signal_address") or hv.get("ansible_host") or host)


def shard_table(groups, hostvars, defaults):
    """shard name -> {name, group, region, pool_size, signal, signal_address, bridges, autoscale}.

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
                "region": hostvars[host].get("jitsi_region") or settings["region"],
                # Provisioned stopped, for the shard's autoscaler to start (jitsi_autoscale).
                "standby": hostvars[host].get("jitsi_bridge_standby", False) is True,
            })
        bridges.sort(key=lambda b: (b["slot"] is None, b["slot"] or 0, b["host"]))
        name = group[len(SHARD_PREFIX):]
        table[name] = {
            "name": name,
            "group": group,
            "region": settings["region"],
            "pool_size": size,
            "signal": signals[0] if signals else None,
            "signal_address": _signal_address(signals[0], hostvars) if signals else None,
            "bridges": bridges,
            "autoscale": settings["autoscale"],
        }
    return table


def _pool_size_errors(shard):
    size = shard["pool_size"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        bridges = len(shard["bridges"])
        return [f"group {shard['group']}: jitsi_bridge_pool_size is {size!r}; set it in the vars of {shard['group']} to a "
                f"whole number of at least {max(bridges, 1)} (its bridge slots; it has {bridges} "
                f"bridge{'' if bridges == 1 else 's'})."]
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


def is_dns_name(name):
    """A lowercase fully qualified DNS name: two or more DNS labels, at most 253 characters."""
    labels = str(name).split(".")
    return len(str(name)) <= 253 and len(labels) >= 2 and all(_DNS_LABEL.fullmatch(label) for label in labels)


def dns_label(value):
    """The lowercase DNS label closest to `value` (other characters become hyphens), or None."""
    label = re.sub(r"[^a-z0-9-]+", "-", str(value).lower()).strip("-")[:63].strip("-")
    return label if _DNS_LABEL.fullmatch(label) else None


def shard_name_errors(groups):
    """A shard's name (shard_<name>) is a lowercase DNS label."""
    errors = []
    for group in _shard_groups(groups):
        name = group[len(SHARD_PREFIX):]
        if not _DNS_LABEL.fullmatch(name):
            label = dns_label(name)
            rename = f"shard_{label}" if label else "shard_<name> with ASCII letters, digits and inner hyphens"
            errors.append(
                f"group {group}: the shard name {name!r} is not a lowercase DNS label ({DNS_LABEL}); it names the "
                f"shard's HAProxy server and x-jitsi-shard header. Rename the group to {rename}."
            )
    return errors


def _where(hosts, member_of):
    """'groups shard_a, shard_b; hosts lb1': the shard groups of `hosts`, and those in none."""
    shards = sorted({s for h in hosts for s in member_of.get(h, [])})
    loose = sorted(h for h in hosts if not member_of.get(h))
    parts = [f"group{'s' if len(shards) > 1 else ''} {_first_hosts(shards)}"] if shards else []
    parts += [f"host{'s' if len(loose) > 1 else ''} {_first_hosts(loose)}"] if loose else []
    return "; ".join(parts)


def region_errors(groups, hostvars):
    """Regions (of a shard, a bridge, an overlay member) are lowercase DNS labels: one message per
    variable and value, naming where it is set (shard groups for jitsi_shard_region, else hosts)."""
    member_of = _membership(groups)
    errors = []
    for name, used in REGION_KEYS.items():
        bad = {}
        for host, hv in hostvars.items():
            value = hv.get(name)
            if value is not None and not (isinstance(value, str) and _DNS_LABEL.fullmatch(value)):
                bad.setdefault(repr(value), (value, []))[1].append(host)
        for value, hosts in (bad[k] for k in sorted(bad)):
            where = _where(hosts, member_of) if name == "jitsi_shard_region" else f"hosts {_first_hosts(sorted(hosts))}"
            if not isinstance(value, str):
                fix = f"quote it (YAML reads an unquoted no, yes, on, off or number as no string) and use a lowercase DNS label ({DNS_LABEL})"
            elif dns_label(value):
                fix = f"use {dns_label(value)!r} or another lowercase DNS label ({DNS_LABEL})"
            else:
                fix = f"use a lowercase DNS label ({DNS_LABEL}), e.g. eu-central"
            errors.append(f"{name} is {value!r} ({where}): {used}; {fix}.")
    return errors


def _roles(groups):
    """host -> the role groups (signal, jvb, haproxy) it is in."""
    held = {}
    for role in ROLE_GROUPS:
        for host in groups.get(role, []):
            held.setdefault(host, []).append(role)
    return held


def role_errors(groups):
    """One role per host: the roles, the firewall and the day-2 playbooks treat a host as one of
    signal, jvb or haproxy (nginx and HAProxy both serve 443; removing a bridge stops its host's
    services). An explicit jitsi_bridge_slot changes nothing about it."""
    return [
        f"host {host} is in groups {' and '.join(roles)}: a host has one role (signal, jvb or haproxy); "
        f"remove {host} from all but one of them and give the other role a host of its own."
        for host, roles in sorted(_roles(groups).items()) if len(roles) > 1
    ]


def front_errors(groups, external=False):
    """Who routes a room to its shard: HAProxy (group haproxy), or with one shard its signal node's
    nginx directly; `external` (jitsi_front_external) when a load balancer outside the inventory does."""
    shards = _shard_groups(groups)
    if not shards:
        return []
    if "haproxy" in groups and not groups["haproxy"]:
        return ["group haproxy is defined but has no hosts: add the HAProxy nodes to it, or remove the group "
                "(one shard is then served by its signal node's nginx directly; more shards need HAProxy)."]
    if len(shards) > 1 and not groups.get("haproxy") and not external:
        return [f"{len(shards)} shard groups ({_first_hosts(shards)}) but no host in group haproxy: nothing routes a "
                f"room to its shard, so one room's participants can land on different shards. Add HAProxy nodes to "
                f"group haproxy, or keep one shard, or set jitsi_front_external: true when a load balancer outside "
                f"this inventory routes each room to its shard."]
    return []


def inventory_errors(groups, hostvars, defaults, seed_defined):
    """Every problem of the inventory, each naming the host/group/variable and the fix."""
    errors = []
    if not seed_defined:
        errors.append(
            "jitsi_secret_seed is not set (or is empty): every secret is derived from it. A real inventory keeps it "
            "in Ansible Vault: `ansible-vault encrypt_string \"$(openssl rand -hex 32)\" --name jitsi_secret_seed` "
            "into group_vars/all, or as inventories/example does, group_vars/all/vault.yml made from "
            "vault.yml.example and encrypted (run with --ask-vault-pass). The lab (inventories/lab) reads it from "
            "the environment: export JITSI_SHARDS_LAB_SEED=$(cat .cache/lab/seed) (scripts/lab up makes that file)."
        )
    if not _shard_groups(groups):
        errors.append("no shard groups: add groups named shard_<name> (children of `shards`) holding the signal and jvb hosts.")
    errors += shard_name_errors(groups)
    errors += role_errors(groups)
    # A host in two role groups is reported once above, not again as a bridge (an ambiguous slot).
    multi_role = {host for host, roles in _roles(groups).items() if len(roles) > 1}
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
        size_errors = _pool_size_errors(shard)
        bridges = [b for b in shard["bridges"] if b["host"] not in multi_role]
        errors += size_errors or _bridge_errors(dict(shard, bridges=bridges))
    errors += region_errors(groups, hostvars)
    errors += retired_errors(hostvars) + version_errors(groups, hostvars) + bridge_address_errors(groups, hostvars)
    errors += host_address_errors(hostvars)
    return errors


def _first_hosts(hosts, limit=3):
    shown = ", ".join(hosts[:limit])
    return shown + (f" and {len(hosts) - limit} more" if len(hosts) > limit else "")


def retired_errors(hostvars):
    """A retired setting still in the inventory: one message per variable, naming its hosts."""
    errors = []
    for name, why in RETIRED.items():
        hosts = sorted(h for h, hv in hostvars.items() if name in hv)
        if hosts:
            errors.append(f"{name} is set (hosts {_first_hosts(hosts)}) but no longer exists: {why}. Remove it from the inventory.")
    return errors


def version_errors(groups, hostvars):
    """Pinned package versions must look like the versions Jitsi's repository has."""
    errors = []
    for name, (pattern, example, group) in VERSION_FORMATS.items():
        bad = {}
        for host in groups.get(group, []):
            value = str(hostvars.get(host, {}).get(name, "") or "")
            if value and not pattern.match(value):
                bad.setdefault(value, []).append(host)
        for value, hosts in sorted(bad.items()):
            errors.append(
                f"{name} is {value!r} (hosts {_first_hosts(sorted(hosts))}), which is no version of its package; "
                f"use the form {example} (apt-cache madison shows the real ones) or leave it empty for the newest."
            )
    return errors


def _java_invalid(ip):
    """What jitsi-videobridge's health check treats as not valid (JvbHealthChecker.isValid, Java's
    InetAddress.isSiteLocalAddress/isLinkLocalAddress/isLoopbackAddress), plus what is no host address."""
    site_local = ip.version == 4 and any(ip in ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
    return site_local or ip.is_link_local or ip.is_loopback or ip.is_unspecified or ip.is_multicast or \
        (ip.version == 6 and ip in ipaddress.ip_network("fec0::/10"))


def valid_media_addresses(addresses):
    """The addresses jitsi-videobridge would count as valid for its health check."""
    found = []
    for value in addresses or []:
        try:
            ip = ipaddress.ip_address(str(value))
        except ValueError:
            continue
        if not _java_invalid(ip):
            found.append(str(ip))
    return found


def _address_error(host, name, value, public):
    try:
        ip = ipaddress.ip_address(str(value))
    except ValueError:
        return f"host {host}: {name} is {value!r}, which is not an IP address; set it to one (e.g. 203.0.113.10)."
    if public and _java_invalid(ip):
        return (f"host {host}: {name} is {value}, a private/loopback/link-local address: clients cannot reach it and "
                f"the bridge's health check rejects it. Set the public address of the host's 1:1 NAT, or unset it and "
                f"use jitsi_videobridge_stun_servers.")
    return None


def host_address_errors(hostvars):
    """jitsi_host_address, where set, is an IP address (hosts, WireGuard and the firewall use it as one)."""
    errors = [_address_error(host, "jitsi_host_address", hv["jitsi_host_address"], False)
              for host, hv in sorted(hostvars.items()) if hv.get("jitsi_host_address")]
    return [e for e in errors if e]


def bridge_address_errors(groups, hostvars):
    """NAT settings of each bridge: a public address (1:1 NAT, static mapping), the private one it
    maps, and STUN servers (host:port)."""
    errors = []
    for host in sorted(groups.get("jvb", [])):
        hv = hostvars.get(host, {})
        public, private = hv.get("jitsi_videobridge_public_address"), hv.get("jitsi_videobridge_private_address")
        if public:
            errors.append(_address_error(host, "jitsi_videobridge_public_address", public, True))
        if private:
            errors.append(_address_error(host, "jitsi_videobridge_private_address", private, False))
        if private and not public:
            errors.append(f"host {host}: jitsi_videobridge_private_address is set without jitsi_videobridge_public_address; "
                          f"a static NAT mapping needs both (or unset it).")
        stun = hv.get("jitsi_videobridge_stun_servers", [])
        if not isinstance(stun, (list, tuple)) or any(not _HOST_PORT.match(str(s)) for s in stun):
            errors.append(f"host {host}: jitsi_videobridge_stun_servers is {stun!r}; set it to a list of host:port "
                          f"entries, e.g. ['stun.example.org:3478'].")
    return [e for e in errors if e]


def host_shards(groups):
    """{host: shard name} for every host of a shard group (computed once per run)."""
    return {host: shards[0][len(SHARD_PREFIX):] for host, shards in _membership(groups).items()}


def _jid(name, domain):
    return f"{name}@auth.{domain}"


def bridge_pool(shard, pool_size, domain, seed):
    """Every slot of a shard's pool with its credentials (Prosody's side of the pool)."""
    return [
        {
            "slot": slot,
            "name": slot_name(slot, pool_size),
            "username": slot_name(slot, pool_size),
            "jid": _jid(slot_name(slot, pool_size), domain),
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
                "jid": _jid(bridge["slot_name"], domain),
                "secret": derive_secret(seed, shard["name"], "bridge", bridge["slot"]),
                "region": bridge["region"],
                "xmpp_host": shard["signal_address"],
            }
    raise AnsibleFilterError(f"host {host} is not a bridge of shard {shard['name']}: add it to groups jvb and {shard['group']}.")


def prosody_accounts(pool, focus_password, domain):
    """Accounts Prosody must hold: the focus user and one per bridge slot."""
    accounts = [{"user": "focus", "host": f"auth.{domain}", "password": focus_password}]
    return accounts + [{"user": s["username"], "host": f"auth.{domain}", "password": s["secret"]} for s in pool]


# The shard table, checks and snapshot are composed by jitsi_plan.cluster_plan (once per run);
# these are what the roles compute per host.
class FilterModule:
    def filters(self):
        return {
            "jitsi_derive_secret": derive_secret,
            "jitsi_bridge_pool": bridge_pool,
            "jitsi_bridge_credentials": bridge_credentials,
            "jitsi_prosody_accounts": prosody_accounts,
            "jitsi_valid_media_addresses": valid_media_addresses,
        }
