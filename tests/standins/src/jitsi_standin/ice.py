"""The bridge's ICE side: which addresses it harvests, its NAT mappings, its health rule, its UDP sockets.

Modelled on ice4j @6da2b08b (HostCandidateHarvester.java, MappingCandidateHarvesters.java,
MappingCandidateHarvester.kt, StunMappingCandidateHarvester.java) as jitsi-videobridge @a29d97d1
uses it (ice/Harvesters.kt, health/JvbHealthChecker.kt). The UDP sockets answer STUN binding
requests, like the real single-port harvester does before any conference exists, and carry the ICE
checks and dummy media of relays (relay.py).
There is no ICE/TCP (removed in jvb 89dde6ea7) and no legacy Octo socket (removed in jvb e8f546396).
"""

import asyncio
import ipaddress
import json
import logging
import os
import socket
import subprocess
from dataclasses import dataclass

from . import stun
from .health import Result

log = logging.getLogger("jitsi_standin.ice")



# Addresses ---------------------------------------------------------------------------------------

def interfaces(ip_json=None):
    """[(name, up, loopback, [(address, scope_id)])] of this host, from `ip -j addr` (iproute2)."""
    if ip_json is None:
        ip_json = subprocess.run(["ip", "-j", "addr"], check=True, capture_output=True, text=True).stdout
    result = []
    for link in json.loads(ip_json):
        flags = link.get("flags", [])
        addresses = [(a["local"], link.get("ifindex", 0)) for a in link.get("addr_info", []) if "local" in a]
        result.append((link["ifname"], "UP" in flags, "LOOPBACK" in flags, addresses))
    return result


def _java_kind(address):
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 4:
        site = ip in ipaddress.ip_network("10.0.0.0/8") or ip in ipaddress.ip_network("172.16.0.0/12") \
            or ip in ipaddress.ip_network("192.168.0.0/16")
        link = ip in ipaddress.ip_network("169.254.0.0/16")
    else:
        site = ip in ipaddress.ip_network("fec0::/10")
        link = ip in ipaddress.ip_network("fe80::/10")
    return ip, site, link, ip.is_loopback


def is_valid(address):
    """JvbHealthChecker.kt isValid(): not site-local, link-local or loopback in Java's InetAddress sense.

    Java's site-local is only 10/8, 172.16/12, 192.168/16 (fec0::/10): CGNAT, TEST-NET and other
    ranges Python calls private are valid here.
    """
    _ip, site, link, loopback = _java_kind(address)
    return not (site or link or loopback)


def allowed_addresses(ifaces, harvest):
    """HostCandidateHarvester.getAllAllowedAddresses(): interfaces up, not loopback, allowed by name
    (allowed-interfaces wins over blocked-interfaces); addresses not loopback, link-local/IPv6 only
    when enabled, allowed by address (allowed-addresses wins over blocked-addresses)."""
    found = []
    for name, up, loopback, addresses in ifaces:
        if loopback or not up:
            continue
        if harvest.allowed_interfaces:
            if name not in harvest.allowed_interfaces:
                continue
        elif name in harvest.blocked_interfaces:
            continue
        for address, scope in addresses:
            ip, _site, link, is_loop = _java_kind(address)
            if is_loop or (link and not harvest.use_link_local) or (ip.version == 6 and not harvest.use_ipv6):
                continue
            if harvest.allowed_addresses:
                if address not in harvest.allowed_addresses:
                    continue
            elif address in harvest.blocked_addresses:
                continue
            found.append((address, scope if ip.version == 6 and link else 0))
    return found


# STUN --------------------------------------------------------------------------------------------

def mapped_address(response, transaction):
    """(ip, port) from a Binding Success with our transaction id: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS."""
    message = stun.parse(response)
    if message is None or message.kind != stun.BINDING_SUCCESS or message.transaction != transaction:
        return None
    return message.mapped_address


def stun_discover(local_ip, server, waits=(0.5, 1.0, 1.5)):
    """StunMappingCandidateHarvester.discover(): one binding request from local_ip:<ephemeral> to
    server ("host:port"), retransmitted; returns (face, mask) or None. The real client retransmits
    for ~9.5 s; the stand-in gives up after a few seconds."""
    host, _, port = server.rpartition(":")
    target = resolve(host)
    if target is None or not test_address(target) or not port.isdigit():
        # Stand-in safety: tests never send packets off this machine's own test networks.
        log.error("STUN server %s: not a resolvable loopback/private address, not contacted", server)
        return None
    target = (target, int(port))
    transaction = os.urandom(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((local_ip, 0))
        for wait in waits:
            sock.sendto(stun.build(stun.BINDING_REQUEST, transaction, fingerprint=False), target)
            sock.settimeout(wait)
            try:
                while True:
                    data, _peer = sock.recvfrom(2048)
                    mask = mapped_address(data, transaction)
                    if mask:
                        return sock.getsockname()[:2], mask
            except (socket.timeout, OSError):
                continue
    log.info("STUN server %s did not answer from %s", server, local_ip)
    return None


# Mappings and candidates -------------------------------------------------------------------------

@dataclass
class Mapping:
    """A mapping harvester: `face` (local) is advertised as `mask` (public). Ports None: any port."""
    name: str
    face: tuple
    mask: tuple
    match_port: bool = False


def resolve(host, hosts_file="/etc/hosts"):
    """An IP literal, or a name from /etc/hosts; "" is the loopback address, as Java's
    InetAddress.getByName("") is. The stand-in asks no DNS server (no traffic off the test hosts)."""
    if not host:
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        with open(hosts_file, encoding="utf-8") as handle:
            for line in handle:
                words = line.split("#", 1)[0].split()
                if len(words) > 1 and host in words[1:]:
                    return words[0]
    except OSError:
        pass
    return None


def test_address(address):
    """Loopback or private (RFC 1918, ULA): where a test's own STUN server can be."""
    ip = ipaddress.ip_address(address)
    return ip.is_loopback or any(ip in ipaddress.ip_network(n) for n in (
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


def static_mappings(harvest):
    """MappingCandidateHarvesters.initialize(): one harvester per configured static mapping."""
    mappings = []
    for item in harvest.static_mappings:
        face, mask = resolve(item.local_address), resolve(item.public_address)
        if face is None or mask is None:
            log.error("static mapping %s -> %s: cannot resolve, not used", item.local_address, item.public_address)
            continue
        mappings.append(Mapping(item.name or "static_mapping", (face, item.local_port), (mask, item.public_port),
                                match_port=item.local_port is not None))
    return mappings


def prune(mappings):
    """MappingCandidateHarvesters.prune(): drop a mapping whose face equals its mask, and duplicates."""
    kept = []
    for mapping in mappings:
        if mapping.face == mapping.mask:
            log.info("Discarding a mapping harvester: %s", mapping)
            continue
        if any(m.face[0] == mapping.face[0] and m.mask[0] == mapping.mask[0] for m in kept):
            log.info("Discarding a mapping harvester with duplicate addresses: %s", mapping)
            continue
        kept.append(mapping)
    return kept


def candidates(bound, port, mappings):
    """What the bridge advertises: a host candidate per bound address, and a server-reflexive
    candidate per mapping whose face is one of them (MappingCandidateHarvester.harvest())."""
    found = [{"type": "host", "protocol": "udp", "ip": address, "port": port} for address in bound]
    for mapping in mappings:
        for host in bound:
            if host != mapping.face[0] or (mapping.match_port and mapping.face[1] != port):
                continue
            srflx = {"type": "srflx", "protocol": "udp", "ip": mapping.mask[0],
                     "port": mapping.mask[1] if mapping.match_port else port,
                     "rel-addr": host, "rel-port": port, "mapping": mapping.name}
            if srflx not in found:
                found.append(srflx)
    return found


def health(require_valid_address, bound, mappings, require_stun=False, stun_failed=False):
    """JvbHealthChecker.kt check(). Upstream leaves the XMPP connection out ("TODO"), and so does this."""
    valid = any(is_valid(a) for a in bound) or any(is_valid(m.mask[0]) for m in mappings)
    if require_valid_address and not valid:
        return Result(False, True, "No valid IP addresses available for harvesting.")
    if require_stun and stun_failed:
        return Result(False, True, "Address discovery through STUN failed")
    if not bound:
        return Result(False, True, "Failed to bind single-port")
    return Result()


# Sockets -----------------------------------------------------------------------------------------

async def bind(addresses, port, mux):
    """SinglePortUdpHarvester.createHarvesters(): one socket per allowed address on the ICE port;
    an address that cannot be bound is logged and left out. Returns the addresses bound. What arrives
    goes to `mux` (relay.SinglePort: answers to plain binding requests, ICE checks and relay media)."""
    from .relay import SinglePortProtocol

    loop = asyncio.get_running_loop()
    bound = []
    for address, scope in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, port, 0, scope) if family == socket.AF_INET6 else (address, port)
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.bind(sockaddr)
        except OSError as exc:
            sock.close()
            log.info("Failed to create SinglePortUdpHarvester for address %s:%d: %s", address, port, exc)
            continue
        await loop.create_datagram_endpoint(lambda a=address: SinglePortProtocol(mux, (a, port)), sock=sock)
        bound.append(address)
    if bound:
        log.info("ICE UDP port %d on %s", port, ", ".join(bound))
    else:
        log.warning("No single-port harvesters created.")
    return bound
