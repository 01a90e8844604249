"""The bridge's media sockets: ICE UDP (STUN binding answers), the ICE TCP fallback, Octo.

Real jitsi-videobridge2 answers STUN binding requests on its ICE UDP port before any
conference exists; the stand-in does the same, so a test can tell an open media port from
a filtered one. Octo packets are only counted: the count shows which peers reached it.
"""

import asyncio
import logging
import struct

log = logging.getLogger("jitsi_standin.media")

STUN_MAGIC = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
XOR_MAPPED_ADDRESS = 0x0020


def stun_binding_response(request, address):
    """The Binding Success answer (RFC 8489) to a Binding Request, or None for anything else."""
    if len(request) < 20:
        return None
    kind, _length, magic = struct.unpack("!HHI", request[:8])
    if kind != BINDING_REQUEST or magic != STUN_MAGIC:
        return None
    transaction = request[8:20]
    host, port = address[0], address[1]
    try:
        packed = bytes(int(part) for part in host.split("."))
    except ValueError:
        return None  # IPv6 peers: the stand-in answers IPv4 only
    if len(packed) != 4:
        return None
    xport = port ^ (STUN_MAGIC >> 16)
    xaddr = bytes(b ^ m for b, m in zip(packed, struct.pack("!I", STUN_MAGIC)))
    attribute = struct.pack("!HHBBH", XOR_MAPPED_ADDRESS, 8, 0, 1, xport) + xaddr
    return struct.pack("!HHI", BINDING_SUCCESS, len(attribute), STUN_MAGIC) + transaction + attribute


class _Counting(asyncio.DatagramProtocol):
    def __init__(self, counters, key, answer=None):
        self.counters, self.key, self.answer = counters, key, answer
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.counters[self.key] += 1
        reply = self.answer(data, addr) if self.answer else None
        if reply:
            self.transport.sendto(reply, addr)


async def serve(settings, counters):
    """Open the sockets jvb.conf asks for; counters gets media_packets/octo_packets."""
    loop = asyncio.get_running_loop()
    counters.update(media_packets=0, octo_packets=0)
    await loop.create_datagram_endpoint(
        lambda: _Counting(counters, "media_packets", stun_binding_response), local_addr=("0.0.0.0", settings.udp_port))
    log.info("ICE UDP on port %d", settings.udp_port)
    if settings.tcp_port:
        async def accept(reader, writer):
            writer.close()
        await asyncio.start_server(accept, "0.0.0.0", settings.tcp_port)
        log.info("ICE TCP fallback on port %d", settings.tcp_port)
    if settings.octo_address:
        try:
            await loop.create_datagram_endpoint(
                lambda: _Counting(counters, "octo_packets"), local_addr=(settings.octo_address, settings.octo_port))
        except OSError as exc:  # the overlay is not up: the bridge still serves its own conferences
            log.error("Octo: cannot bind %s:%d: %s", settings.octo_address, settings.octo_port, exc)
        else:
            log.info("Octo on %s:%d", settings.octo_address, settings.octo_port)
