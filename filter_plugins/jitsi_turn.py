"""TURN: what coturn may relay to, and what Prosody hands clients (XEP-0215).

Pure functions, unit-tested in tests/unit/test_jitsi_turn.py. Credentials are upstream's
time-limited scheme (coturn `use-auth-secret`, Prosody's mod_external_services with
`secret = true`): username = expiry time, password = base64(HMAC-SHA1(secret, username)).
"""

import ipaddress

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # unit tests run without Ansible
    AnsibleFilterError = ValueError

# Peers coturn must never relay to (RFC 6890 special-purpose ranges: private, loopback,
# link-local, CGNAT, benchmarking, multicast, reserved). A client could otherwise use the TURN
# server to reach the cluster's own private services (Prosody, Jicofo's REST API, the overlay).
# Only the bridges' media addresses are let through (allowed-peer-ip beats denied-peer-ip).
DENIED_PEER_RANGES = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",
    "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "100::/64", "2001::/32", "2001:db8::/32",
    "fc00::/7", "fe80::/10", "ff00::/8",
)


def _coturn_range(network):
    """coturn's peer-ip syntax: one address, or `first-last` (it takes no CIDR)."""
    net = ipaddress.ip_network(str(network), strict=False)
    if net.num_addresses == 1:
        return str(net.network_address)
    return f"{net.network_address}-{net.broadcast_address}"


def turn_denied_peers(extra=()):
    """denied-peer-ip values: the special-purpose ranges and the operator's extra networks."""
    return [_coturn_range(n) for n in list(DENIED_PEER_RANGES) + [str(e) for e in extra]]


def turn_allowed_peers(bridges, host_addresses, hostvars):
    """allowed-peer-ip values: every bridge's media addresses, sorted, once each.

    `host_addresses`: each bridge's address (the filter jitsi_host_address, computed one way for
    the whole project), in the order of `bridges`. A client's relay sends to the candidates its
    bridge advertises: that address and, behind a 1:1 NAT, the static mapping's public address
    (jitsi_videobridge_public_address). Both are admitted; nothing else in a denied range is.
    """
    found = set()
    for bridge, address in zip(bridges, host_addresses):
        public = hostvars.get(bridge, {}).get("jitsi_videobridge_public_address")
        for key, value in (("jitsi_host_address", address), ("jitsi_videobridge_public_address", public)):
            if value:
                try:
                    found.add(ipaddress.ip_address(str(value)))
                except ValueError:
                    raise AnsibleFilterError(
                        f"host {bridge}: {key} = {value!r} is not an IP address; coturn admits relays to "
                        f"the bridges by address (set it to the bridge's address)") from None
    return [str(a) for a in sorted(found, key=lambda a: (a.version, a))]


def turn_external_services(turn_host, ports, ttl):
    """Prosody's external_services (mod_external_services, XEP-0215), as upstream's example has
    them (jitsi-meet doc/debian/jitsi-meet-prosody/prosody.cfg.lua-jvb.example): STUN, TURN over
    UDP and TCP on `turn`, TURNS over TLS on `turns`; the credentials are time-limited."""
    def credentialed(kind, port, transport):
        return {"type": kind, "host": turn_host, "port": int(port), "transport": transport,
                "secret": True, "ttl": int(ttl), "algorithm": "turn"}

    return [
        {"type": "stun", "host": turn_host, "port": int(ports["turn"]), "transport": "udp"},
        credentialed("turn", ports["turn"], "udp"),
        credentialed("turn", ports["turn"], "tcp"),
        credentialed("turns", ports["turns"], "tcp"),
    ]


def turn_errors(settings, is_dns_name):
    """Bad TURN settings, one message each, naming the variable and the fix; none without turn hosts.

    settings: the jitsi_turn_* values, turns_port, turn_hosts and haproxy (the two groups).
    is_dns_name: the project's name check (jitsi_inventory.is_dns_name; roles/jitsi_validate's plan).
    """
    if not settings.get("turn_hosts"):
        return []
    errors = []
    host = settings.get("host", "")
    if not is_dns_name(host):
        errors.append(f"jitsi_turn_host = {host!r}: the lowercase DNS name clients reach the turn hosts at "
                      f"(e.g. turn.example.org), or empty for jitsi_domain")
    for key in ("user_quota", "total_quota", "credential_ttl"):
        value = settings.get(key)
        if not (str(value).isdigit() and int(value) >= 1):
            errors.append(f"jitsi_turn_{key} = {value!r}: a whole number of at least 1")
    lo, hi = settings.get("relay_min_port"), settings.get("relay_max_port")
    if not (str(lo).isdigit() and str(hi).isdigit() and 1024 <= int(lo) < int(hi) <= 65535):
        errors.append(f"jitsi_turn_relay_min_port/jitsi_turn_relay_max_port = {lo!r}/{hi!r}: a range of "
                      f"unprivileged UDP ports, first below last (coturn's default: 49152/65535)")
    shared = sorted(set(settings["turn_hosts"]) & set(settings.get("haproxy") or []))
    if shared and str(settings.get("turns_port")) != "443":
        errors.append(f"jitsi_turns_port = {settings.get('turns_port')!r}: turn hosts {', '.join(shared)} are also "
                      f"HAProxy nodes, where TURNS shares HTTPS's 443 (HAProxy splits the two): set it to 443, "
                      f"or put TURN on hosts outside group haproxy")
    for extra in settings.get("denied_peers") or []:
        try:
            ipaddress.ip_network(str(extra), strict=False)
        except ValueError:
            errors.append(f"jitsi_turn_denied_peers: {extra!r} is not an address or network (e.g. 192.0.2.0/24)")
    return errors


class FilterModule:
    def filters(self):
        return {
            "jitsi_turn_denied_peers": turn_denied_peers,
            "jitsi_turn_allowed_peers": turn_allowed_peers,
            "jitsi_turn_external_services": turn_external_services,
        }
