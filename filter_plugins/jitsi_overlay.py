"""The overlay plan: who is a member, stable addresses, WireGuard peers, VXLAN FDB, MTUs.

Pure functions over plain mappings, unit-tested in tests/unit/test_jitsi_overlay.py.

Addresses: every member has an index (explicit `jitsi_overlay_index`, else derived from a hash
of its inventory name), and gets that host number in both the WireGuard block and the VXLAN
block. A derived index depends on the host's name only, so adding or removing a host never
renumbers another; two hosts on one index is a validation error naming both and the fix.
"""

import hashlib

import netaddr

# Bytes a packet grows by on its way out (https://www.wireguard.com/ and RFC 7348).
WIREGUARD_OVERHEAD = {4: 20 + 8 + 32, 6: 40 + 8 + 32}  # outer IP + UDP + WireGuard header/tag
VXLAN_OVERHEAD = {4: 20 + 8 + 8 + 14, 6: 40 + 8 + 8 + 14}  # IP + UDP + VXLAN + inner Ethernet


def members(groups, member_groups):
    """Overlay members: every host of the given groups, sorted, once."""
    found = set()
    for group in member_groups:
        found.update(groups.get(group, []))
    return sorted(found)


def _usable(cidr):
    """Host numbers that are addresses of hosts (IPv4: not network, not broadcast)."""
    network = netaddr.IPNetwork(cidr)
    if network.version == 4 and network.prefixlen < 31:
        return 1, network.size - 2
    return 1, network.size - 1


def derived_index(host, first, last):
    digest = int.from_bytes(hashlib.sha256(host.encode()).digest()[:8], "big")
    return first + digest % (last - first + 1)


def _explicit_index(host, hostvars):
    value = hostvars[host].get("jitsi_overlay_index")
    return None if value in (None, "") else value


def _range(cidrs):
    bounds = [_usable(c) for c in cidrs]
    return max(b[0] for b in bounds), min(b[1] for b in bounds)


def indexes(hosts, hostvars, cidrs):
    """{host: index} (explicit or derived); validation (overlay_errors) runs first."""
    first, last = _range(cidrs)
    result = {}
    for host in hosts:
        explicit = _explicit_index(host, hostvars)
        result[host] = int(explicit) if explicit is not None else derived_index(host, first, last)
    return result


def overlay_errors(hosts, hostvars, cidrs):
    """Every problem of the address plan, one message each, naming the host/variable and the fix."""
    errors = []
    for name, cidr in cidrs.items():
        try:
            netaddr.IPNetwork(cidr)
        except (netaddr.AddrFormatError, ValueError, TypeError):
            errors.append(f"{name} = {cidr!r} is not a network in CIDR notation (e.g. 10.99.0.0/16)")
    if errors:
        return errors
    first, last = _range(cidrs.values())
    capacity = last - first + 1
    if len(hosts) > capacity:
        errors.append(
            f"the overlay has {len(hosts)} members but {' / '.join(f'{k}={v}' for k, v in cidrs.items())} "
            f"hold only {capacity} host addresses: use larger blocks")
        return errors
    seen = {}
    for host in hosts:
        explicit = _explicit_index(host, hostvars)
        if explicit is not None:
            if not str(explicit).isdigit() or not first <= int(explicit) <= last:
                errors.append(f"{host}: jitsi_overlay_index = {explicit!r} must be a number from {first} to {last}")
                continue
            index = int(explicit)
        else:
            index = derived_index(host, first, last)
        if index in seen:
            errors.append(
                f"{host} and {seen[index]} both get overlay index {index}: set jitsi_overlay_index "
                f"on one of them to a free number from {first} to {last}")
        else:
            seen[index] = host
    return errors


def address(cidr, index, with_prefix=False):
    network = cidr if isinstance(cidr, netaddr.IPNetwork) else netaddr.IPNetwork(cidr)
    ip = str(netaddr.IPAddress(network.first + index, network.version))
    return f"{ip}/{network.prefixlen}" if with_prefix else ip


def mac(index):
    """vx0's MAC: locally administered, from the host's index. Stable across reboots, so the
    peers' neighbour caches stay right when a member restarts (a random MAC would leave them
    sending to the old one until their entries expire)."""
    return "02:4a:53:" + ":".join(f"{b:02x}" for b in int(index).to_bytes(3, "big"))


def addresses(hosts, hostvars, wg_cidr, vx_cidr):
    """{host: {"index", "wg", "vx", "wg_cidr", "vx_cidr", "mac"}} for every member (the *_cidr
    forms carry the block's prefix length, as interface addresses; mac is vx0's)."""
    wg_cidr, vx_cidr = netaddr.IPNetwork(wg_cidr), netaddr.IPNetwork(vx_cidr)  # parsed once, not per host
    return {
        host: {
            "index": index,
            "wg": address(wg_cidr, index),
            "vx": address(vx_cidr, index),
            "wg_cidr": address(wg_cidr, index, with_prefix=True),
            "vx_cidr": address(vx_cidr, index, with_prefix=True),
            "mac": mac(index),
        }
        for host, index in indexes(hosts, hostvars, [wg_cidr, vx_cidr]).items()
    }


def regions(hosts, hostvars, default="default"):
    """A member's region: jitsi_overlay_region, else its own jitsi_region (a bridge or HAProxy node),
    else its shard's jitsi_shard_region."""
    return {
        host: str(hostvars[host].get("jitsi_overlay_region") or hostvars[host].get("jitsi_region")
                  or hostvars[host].get("jitsi_shard_region") or default)
        for host in hosts
    }


def peers(host, hosts, host_regions, scope="mesh", region_links=()):
    """Who `host` talks to: everyone (mesh), or its region plus explicitly linked regions."""
    others = [h for h in hosts if h != host]
    if scope == "mesh":
        return others
    if scope != "region":
        raise ValueError(f"jitsi_overlay_scope must be 'mesh' or 'region', not {scope!r}")
    mine = host_regions[host]
    linked = {mine}
    for link in region_links:
        if mine in link:
            linked.update(link)
    return [h for h in others if host_regions[h] in linked]


def fdb(host, peer_hosts, plan):
    """The static all-zeros FDB entries of `host`'s vx0: one VTEP (peer wg0 address) per peer."""
    return [plan[peer]["wg"] for peer in peer_hosts]


def probe_targets(peer_hosts, plan):
    """"peer=vx0 address" per peer: what the summary pings over vx0 (the bridges' relay path)."""
    return [f"{peer}={plan[peer]['vx']}" for peer in peer_hosts]


def _host_route(ip):
    return f"{ip}/128" if ":" in ip else f"{ip}/32"


def _endpoint(underlay, port):
    if not underlay:
        return None
    return f"[{underlay}]:{port}" if ":" in str(underlay) else f"{underlay}:{port}"


def last_known(hv, name, last):
    """A value a host published in this run, else the one an earlier run cached for it (a host
    that failed or is unreachable now keeps its place instead of failing the others)."""
    return hv.get(name) or hv.get(last) or (hv.get("ansible_facts") or {}).get(last)


def wireguard_peers(peer_hosts, plan, hostvars, port):
    """wg0 [Peer] entries: key and underlay endpoint each peer published, its /32 (or /128).

    Called once per member with all its peers: kept to string work (no address parsing), as
    it runs members x peers times in a plan."""
    return [
        {
            "host": peer,
            "public_key": last_known(hostvars[peer], "jitsi_wireguard_public_key", "jitsi_wireguard_last_public_key"),
            "endpoint": _endpoint(last_known(hostvars[peer], "jitsi_overlay_underlay", "jitsi_overlay_last_underlay"), port),
            "allowed_ips": _host_route(plan[peer]["wg"]),
        }
        for peer in peer_hosts
    ]


def mtu(underlay_mtu, underlay_version=4, overlay_version=4):
    """wg0 and vx0 MTUs so that nothing fragments on the underlay."""
    wg = int(underlay_mtu) - WIREGUARD_OVERHEAD[int(underlay_version)]
    return {"wg": wg, "vx": wg - VXLAN_OVERHEAD[int(overlay_version)]}


# Members, checks, addresses and regions are composed by jitsi_plan.cluster_plan (once per
# run); these are what each member computes for itself.
class FilterModule:
    def filters(self):
        return {
            "jitsi_overlay_peers": peers,
            "jitsi_overlay_fdb": fdb,
            "jitsi_overlay_probe_targets": probe_targets,
            "jitsi_overlay_mtu": mtu,
            "jitsi_overlay_wireguard_peers": wireguard_peers,
        }
