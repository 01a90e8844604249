"""The firewall plan: which sources may reach which port of a host, as nftables statements.

Pure functions over plain mappings, unit-tested in tests/unit/test_jitsi_firewall.py. A host
serves what its groups (haproxy, signal, jvb, overlay member) make it serve; every internal
port admits only the hosts that use it, by the address they reach it from (the underlay
address the overlay role publishes for every host, plus `jitsi_firewall_extra_addresses`).
Anything not listed is dropped by the chain's policy and counted.
"""

import ipaddress

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # unit tests run without Ansible
    AnsibleFilterError = ValueError

PORT_KEYS = (
    "ssh", "http", "https", "haproxy_peers", "haproxy_stats", "nginx_https", "jicofo_rest", "shard_state",
    "xmpp_c2s", "jvb_udp", "jvb_rest", "wireguard", "vxlan", "autoscaler_metrics",
    "turn", "turns", "turn_relay_min", "turn_relay_max",
)
CIDR_KEYS = ("admin_cidrs", "monitoring_cidrs")


def _network(value):
    return ipaddress.ip_network(str(value), strict=False)


def _is_port(value):
    return str(value).isdigit() and 1 <= int(value) <= 65535


def firewall_errors(ports, settings):
    """Every bad setting, one message each, naming the variable and the fix."""
    errors = []
    for key in CIDR_KEYS:
        values = settings.get(key)
        if not isinstance(values, (list, tuple)):
            errors.append(f"jitsi_firewall_{key} must be a list of networks, e.g. ['192.0.2.0/24'], not {values!r}")
            continue
        for value in values:
            try:
                _network(value)
            except ValueError:
                errors.append(f"jitsi_firewall_{key}: {value!r} is not an address or network (e.g. 192.0.2.0/24)")
    for key in PORT_KEYS:
        if key not in ports:
            errors.append(f"port {key!r} is missing from jitsi_firewall_ports")
    errors += [f"jitsi_firewall_ports.{key} = {value!r} is not a port number (1-65535)"
               for key, value in sorted(ports.items()) if not _is_port(value)]
    errors += [f"jitsi_firewall_monitoring_ports: {value!r} is not a port number (1-65535)"
               for value in settings.get("monitoring_ports") or [] if not _is_port(value)]
    return errors


def admits(address, cidrs):
    """True when `address` lies in one of `cidrs` (the lock-out guard for the SSH client)."""
    ip = ipaddress.ip_address(str(address))
    return any(ip.version == net.version and ip in net for net in map(_network, cidrs))


def _addresses(host, hostvars):
    hv = hostvars.get(host, {})
    # Published by roles/jitsi_overlay in this run; for hosts outside the play (--limit), the
    # inventory's own setting is the same value; for a host that failed or is unreachable now,
    # the address an earlier run cached (its rules stay as they were instead of failing all).
    underlay = (hv.get("jitsi_overlay_underlay") or hv.get("jitsi_host_address") or hv.get("jitsi_overlay_last_underlay")
                or (hv.get("ansible_facts") or {}).get("jitsi_overlay_last_underlay"))
    found = [underlay] if underlay else []
    found += list(hv.get("jitsi_firewall_extra_addresses") or [])
    if not found:
        raise AnsibleFilterError(
            f"host {host}: no address known to admit it by: it failed or was unreachable before the overlay "
            f"role ran, and no earlier run recorded its address (or the run was limited with --limit). Fix "
            f"{host} and re-run on all hosts, or set jitsi_host_address for {host}")
    for value in found:
        try:
            _network(value)
        except ValueError:
            raise AnsibleFilterError(
                f"host {host}: {value!r} is not an IP address; the firewall admits hosts by address: set "
                f"jitsi_host_address / jitsi_firewall_extra_addresses of {host} to addresses") from None
    return found


def _sources(values):
    """(IPv4, IPv6) source lists, sorted and once each."""
    nets = sorted({_network(v) for v in values}, key=lambda n: (n.version, n))
    fmt = [(n.version, str(n.network_address) if n.prefixlen == n.max_prefixlen else str(n)) for n in nets]
    return [s for v, s in fmt if v == 4], [s for v, s in fmt if v == 6]


def _rule(comment, proto, port, sources=None, iif=None):
    """One accept rule; sources None = anyone, [] = nobody (no statement: the port stays closed).

    port: a number, or (first, last) for a range."""
    prefix = f'iifname "{iif}" ' if iif else ""
    dport = f"{int(port[0])}-{int(port[1])}" if isinstance(port, (tuple, list)) else int(port)
    match = f"{proto} dport {dport} counter accept"
    if sources is None:
        return [{"comment": comment, "statement": prefix + match}]
    return _by_address(comment, match, sources, prefix=prefix)


def _by_address(comment, match, addresses, direction="saddr", prefix="", hook=None):
    """One statement per address family of `addresses`, matched as source or destination (none for [])."""
    v4, v6 = _sources(addresses)
    statements = []
    for family, found in (("ip", v4), ("ip6", v6)):
        if found:
            rule = {"comment": comment, "statement": f"{prefix}{family} {direction} {{ {', '.join(found)} }} {match}"}
            statements.append(dict(rule, hook=hook) if hook else rule)
    return statements


def _relay_rules(host, shards, hostvars, ports, overlay):
    """Relays between bridges ride the overlay and nothing else (ICE then has one path, encrypted by
    WireGuard and DTLS, that outlives a bridge's public address changing). UDP between this bridge
    and its overlay peer bridges' underlay or public addresses is dropped both ways, WireGuard
    excepted, ahead of the conntrack rule (an ICE check this bridge sent would otherwise let the
    peer's check in as a reply); so is UDP on wg0 other than VXLAN. vx0 admits the peer bridges on
    any UDP port: the initiating side of a relay has its own (ephemeral) port."""
    peers = set(overlay.get("peers") or [])
    others = sorted(b["host"] for s in shards.values() for b in s["bridges"]
                    if b["host"] != host and b["host"] in peers and b["host"] in overlay["plan"])
    if not others:
        return []
    outside = _of(others, hostvars) + [hostvars[b]["jitsi_videobridge_public_address"] for b in others
                                       if hostvars.get(b, {}).get("jitsi_videobridge_public_address")]
    wg, vx = int(ports["wireguard"]), int(ports["vxlan"])
    not_wg = f"udp sport != {wg} udp dport != {wg} counter drop"
    tunnel = [overlay["plan"][b]["wg"] for b in others]
    rules = _by_address("relays ride the overlay: UDP from other bridges' underlay and public addresses, but WireGuard",
                        not_wg, outside, hook="early")
    rules += _by_address("relays ride the overlay: UDP from other bridges on wg0, but VXLAN", f"udp dport != {vx} counter drop",
                         tunnel, prefix='iifname "wg0" ', hook="early")
    rules += _rule("relays between bridges: other bridges over the overlay (vx0), any port", "udp", (1024, 65535),
                   [overlay["plan"][b]["vx"] for b in others], iif="vx0")
    rules += _by_address("relays ride the overlay: no UDP to other bridges' underlay and public addresses, but WireGuard",
                         not_wg, outside, direction="daddr", hook="output")
    rules += _by_address("relays ride the overlay: no UDP to other bridges on wg0, but VXLAN", f"udp dport != {vx} counter drop",
                         tunnel, direction="daddr", prefix='oifname "wg0" ', hook="output")
    return rules


def _of(hosts, hostvars):
    return [a for h in hosts for a in _addresses(h, hostvars)]


def _shard_of(host, shards):
    for shard in shards.values():
        if shard.get("signal") == host or any(b["host"] == host for b in shard["bridges"]):
            return shard
    return None


def _autoscaler(shard):
    """The host running the shard's autoscaler, or None (roles/jitsi_autoscaler)."""
    cfg = shard.get("autoscale") or {}
    return (cfg.get("host") or shard["signal"]) if cfg.get("enabled") is True else None


def _scaler_sources(scaler, hostvars, overlay):
    # It reaches the bridges over the overlay (their vx0 addresses), so from its own vx0 address.
    return _of([scaler], hostvars) + ([overlay["plan"][scaler]["vx"]] if scaler in overlay["plan"] else [])


def firewall_rules(host, groups, shards, hostvars, ports, settings, overlay):
    """Rules of `host`: [{comment, statement, hook?}] in a stable order. Without `hook` a rule
    belongs to the input chain after the conntrack rule; hook "early" puts it ahead of that rule,
    "output" in the output chain.

    settings: admin_cidrs, monitoring_cidrs, monitoring_ports, acme_host (roles/jitsi_acme: it pushes the
    certificate to the other HAProxy nodes over SSH; '' when ACME is off).
    overlay: {"plan": {member: {wg, vx}}, "peers": [this host's overlay peers]}.
    """
    haproxy = sorted(groups.get("haproxy", []))
    monitoring = list(settings.get("monitoring_cidrs") or [])
    rules = _rule("SSH: admin networks", "tcp", ports["ssh"], list(settings.get("admin_cidrs") or []))
    for port in settings.get("monitoring_ports") or []:
        rules += _rule("monitoring agent: monitoring networks", "tcp", port, monitoring)
    if host in haproxy:
        rules += _rule("HTTP (redirect to HTTPS): anyone", "tcp", ports["http"])
        rules += _rule("HTTPS, the meeting web app: anyone", "tcp", ports["https"])
        rules += _rule("stick-table peers: the other HAProxy nodes", "tcp", ports["haproxy_peers"],
                       _of([h for h in haproxy if h != host], hostvars))
        rules += _rule("stats and metrics: monitoring networks", "tcp", ports["haproxy_stats"], monitoring)
        acme = settings.get("acme_host") or ""
        if acme in haproxy and acme != host:
            rules += _rule(f"SSH for the ACME host's forced command (install the certificate): {acme}", "tcp",
                           ports["ssh"], _of([acme], hostvars))
    shard = _shard_of(host, shards)
    if shard and shard.get("signal") == host:
        bridges = [b["host"] for b in shard["bridges"]]
        bridge_sources = _of(bridges, hostvars) + [overlay["plan"][b]["vx"] for b in bridges if b in overlay["plan"]]
        web = None if not haproxy else _of(haproxy, hostvars)
        who = "the HAProxy nodes" if haproxy else "anyone (no HAProxy group: the signal node is the front door)"
        if not haproxy:
            rules += _rule(f"HTTP (redirect to HTTPS): {who}", "tcp", ports["http"])
        rules += _rule(f"nginx HTTPS (web app, BOSH, websockets): {who}", "tcp", ports["nginx_https"], web)
        rules += _rule("Jicofo REST (health checks): the HAProxy nodes and monitoring networks", "tcp",
                       ports["jicofo_rest"], _of(haproxy, hostvars) + monitoring)
        scaler = _autoscaler(shard)
        remote = scaler if scaler not in (None, host) else None
        if haproxy or remote:
            who = " and ".join(w for w, on in (("the HAProxy nodes", haproxy), ("its autoscaler", remote)) if on)
            rules += _rule(f"shard state (drain/ready) for the agent-check: {who}", "tcp", ports["shard_state"],
                           _of(haproxy, hostvars) + (_scaler_sources(remote, hostvars, overlay) if remote else []))
        rules += _rule(f"XMPP c2s: bridges of shard {shard['name']}", "tcp", ports["xmpp_c2s"], bridge_sources)
    if shard and host in [b["host"] for b in shard["bridges"]]:
        rules += _rule("media (ICE UDP): clients, and relays from other bridges over the overlay", "udp", ports["jvb_udp"])
        if host in overlay["plan"]:
            rules += _relay_rules(host, shards, hostvars, ports, overlay)
        scaler = _autoscaler(shard)
        if scaler is None:
            rules += _rule("bridge REST (stats, health): monitoring networks", "tcp", ports["jvb_rest"], monitoring)
        else:
            rules += _rule(f"bridge REST (stats, health, graceful shutdown): monitoring networks and the shard's "
                           f"autoscaler", "tcp", ports["jvb_rest"], monitoring + _scaler_sources(scaler, hostvars, overlay))
            if shard["autoscale"].get("provider") == "systemd":
                rules += _rule("SSH for the autoscaler's forced command (start/stop jitsi-videobridge2)", "tcp",
                               ports["ssh"], _scaler_sources(scaler, hostvars, overlay))
    scaled = sorted(name for name, s in shards.items() if _autoscaler(s) == host)
    if scaled:
        members = [overlay["plan"][m]["vx"] for m in sorted(overlay["plan"])]
        rules += _rule(f"autoscaler metrics (shard {', '.join(scaled)}): the cluster's overlay and monitoring networks",
                       "tcp", ports["autoscaler_metrics"], members + monitoring)
    if host in groups.get("turn", []):
        rules += _rule("TURN and STUN over UDP: anyone", "udp", ports["turn"])
        rules += _rule("TURN over TCP: anyone", "tcp", ports["turn"])
        if host not in haproxy:  # an HAProxy node takes TURNS on its HTTPS port and splits it
            rules += _rule("TURNS (TURN over TLS): anyone", "tcp", ports["turns"])
        # Peers (bridges) answer relayed media here; coturn drops what no client gave a permission for.
        rules += _rule("TURN relay ports: anyone (coturn admits only permitted peers)", "udp",
                       (ports["turn_relay_min"], ports["turn_relay_max"]))
    if host in overlay["plan"]:
        rules += _rule("WireGuard: overlay peers", "udp", ports["wireguard"], _of(overlay["peers"], hostvars))
        rules += _rule("VXLAN inside WireGuard: overlay peers, on wg0 only", "udp", ports["vxlan"],
                       [overlay["plan"][p]["wg"] for p in overlay["peers"]], iif="wg0")
    return rules


class FilterModule:
    def filters(self):
        return {
            "jitsi_firewall_errors": firewall_errors,
            "jitsi_firewall_admits": admits,
            "jitsi_firewall_rules": firewall_rules,
        }
