"""STUN messages as ICE connectivity checks use them (pure, unit-tested).

RFC 8489 (message format, MESSAGE-INTEGRITY with HMAC-SHA1 over the message up to the attribute, the
length field counting the attribute; FINGERPRINT = CRC-32 xor 0x5354554e) and RFC 8445 (short-term
credentials: a check carries USERNAME "<receiver's ufrag>:<sender's ufrag>" and is signed with the
receiver's password, the answer is signed with the same password; PRIORITY, USE-CANDIDATE,
ICE-CONTROLLING/ICE-CONTROLLED with a tie-breaker). ice4j is what jvb uses; it implements the same RFCs.
IPv4 addresses only.
"""

import hashlib
import hmac
import os
import socket
import struct
import zlib
from dataclasses import dataclass, field

MAGIC = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
BINDING_ERROR = 0x0111

MAPPED_ADDRESS = 0x0001
USERNAME = 0x0006
MESSAGE_INTEGRITY = 0x0008
ERROR_CODE = 0x0009
XOR_MAPPED_ADDRESS = 0x0020
PRIORITY = 0x0024
USE_CANDIDATE = 0x0025
FINGERPRINT = 0x8028
ICE_CONTROLLED = 0x8029
ICE_CONTROLLING = 0x802A
FINGERPRINT_XOR = 0x5354554E


def transaction_id():
    return os.urandom(12)


def is_stun(data):
    """RFC 7983 demultiplexing: a STUN message starts with two zero bits and carries the magic cookie."""
    return len(data) >= 20 and data[0] < 4 and struct.unpack("!I", data[4:8])[0] == MAGIC


def _attribute(kind, value):
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def xor_address(address):
    ip, port = address
    packed = bytes(b ^ m for b, m in zip(socket.inet_aton(ip), struct.pack("!I", MAGIC)))
    return struct.pack("!BBH", 0, 1, port ^ (MAGIC >> 16)) + packed


def parse_address(value, xor=True):
    """(ip, port) of an IPv4 (XOR-)MAPPED-ADDRESS value, else None."""
    if len(value) != 8 or value[1] != 1:
        return None
    port, raw = struct.unpack("!H", value[2:4])[0], value[4:8]
    if xor:
        port ^= MAGIC >> 16
        raw = bytes(b ^ m for b, m in zip(raw, struct.pack("!I", MAGIC)))
    return socket.inet_ntoa(raw), port


def build(kind, transaction, attributes=(), key=None, fingerprint=True):
    """A STUN message: the attributes [(type, bytes)], then MESSAGE-INTEGRITY when a key (the ICE
    password, as bytes or str) is given, then FINGERPRINT."""
    body = b"".join(_attribute(k, v) for k, v in attributes)

    def header(length):
        return struct.pack("!HHI", kind, length, MAGIC) + transaction

    if key is not None:
        key = key.encode() if isinstance(key, str) else key
        # The length covers the MESSAGE-INTEGRITY attribute (4 + 20 bytes) when the HMAC is computed.
        mac = hmac.new(key, header(len(body) + 24) + body, hashlib.sha1).digest()
        body += _attribute(MESSAGE_INTEGRITY, mac)
    if fingerprint:
        crc = (zlib.crc32(header(len(body) + 8) + body) ^ FINGERPRINT_XOR) & 0xFFFFFFFF
        body += _attribute(FINGERPRINT, struct.pack("!I", crc))
    return header(len(body)) + body


@dataclass
class Message:
    kind: int
    transaction: bytes
    attributes: list = field(default_factory=list)  # [(type, value, offset of the attribute)]
    raw: bytes = b""

    def get(self, kind):
        return next((v for k, v, _o in self.attributes if k == kind), None)

    def has(self, kind):
        return any(k == kind for k, _v, _o in self.attributes)

    @property
    def username(self):
        value = self.get(USERNAME)
        return None if value is None else value.decode("utf-8", "replace")

    @property
    def priority(self):
        value = self.get(PRIORITY)
        return struct.unpack("!I", value)[0] if value and len(value) == 4 else None

    @property
    def mapped_address(self):
        """XOR-MAPPED-ADDRESS, else the older MAPPED-ADDRESS (RFC 3489 servers)."""
        for kind, xor in ((XOR_MAPPED_ADDRESS, True), (MAPPED_ADDRESS, False)):
            value = self.get(kind)
            found = parse_address(value, xor) if value else None
            if found:
                return found
        return None

    def integrity_ok(self, key):
        """MESSAGE-INTEGRITY checked with `key` (the password the sender was meant to use)."""
        for kind, value, offset in self.attributes:
            if kind == MESSAGE_INTEGRITY:
                key = key.encode() if isinstance(key, str) else key
                head = struct.pack("!HHI", self.kind, offset - 20 + 24, MAGIC) + self.transaction
                expected = hmac.new(key, head + self.raw[20:offset], hashlib.sha1).digest()
                return hmac.compare_digest(expected, value)
        return False

    def fingerprint_ok(self):
        for kind, value, offset in self.attributes:
            if kind == FINGERPRINT:
                head = struct.pack("!HHI", self.kind, offset - 20 + 8, MAGIC) + self.transaction
                crc = (zlib.crc32(head + self.raw[20:offset]) ^ FINGERPRINT_XOR) & 0xFFFFFFFF
                return len(value) == 4 and struct.unpack("!I", value)[0] == crc
        return True  # FINGERPRINT is optional in STUN; ICE agents send it


def parse(data):
    """A Message, or None when the datagram is not a well-formed STUN message."""
    if not is_stun(data):
        return None
    kind, length = struct.unpack("!HH", data[:4])
    if length % 4 or 20 + length > len(data):
        return None
    message = Message(kind, data[8:20], [], data[:20 + length])
    offset = 20
    while offset + 4 <= 20 + length:
        attr, size = struct.unpack("!HH", data[offset:offset + 4])
        if offset + 4 + size > 20 + length:
            return None
        message.attributes.append((attr, data[offset + 4:offset + 4 + size], offset))
        offset += 4 + size + (-size % 4)
    return message


def binding_response(request, source):
    """The plain Binding Success answer (RFC 8489) to a Binding Request from an IPv4 peer, else None:
    what any STUN client probing the media port gets, and what the tests' STUN server says."""
    message = parse(request)
    if message is None or message.kind != BINDING_REQUEST:
        return None
    try:
        mapped = xor_address(source)
    except OSError:
        return None  # IPv6 peers: the stand-in answers IPv4 only
    return build(BINDING_SUCCESS, message.transaction, [(XOR_MAPPED_ADDRESS, mapped)], fingerprint=False)


def check_request(transaction, local_ufrag, remote_ufrag, remote_pwd, priority, controlling, tie_breaker,
                  use_candidate=False):
    """An ICE connectivity check (RFC 8445 7.2.2) from the agent with local_ufrag to its peer."""
    attributes = [(USERNAME, f"{remote_ufrag}:{local_ufrag}".encode()),
                  (PRIORITY, struct.pack("!I", priority)),
                  (ICE_CONTROLLING if controlling else ICE_CONTROLLED, tie_breaker)]
    if use_candidate:
        attributes.append((USE_CANDIDATE, b""))
    return build(BINDING_REQUEST, transaction, attributes, key=remote_pwd)


def check_response(request, source, local_pwd):
    """The success answer to a check (RFC 8445 7.3.1.1): XOR-MAPPED-ADDRESS of the source, signed with
    the answering agent's own password."""
    return build(BINDING_SUCCESS, request.transaction, [(XOR_MAPPED_ADDRESS, xor_address(source))], key=local_pwd)


def unauthorized(request):
    """401 Unauthorized (RFC 8489 9.1.3): the check's MESSAGE-INTEGRITY does not match our password."""
    reason = b"Unauthorized"
    return build(BINDING_ERROR, request.transaction, [(ERROR_CODE, struct.pack("!HBB", 0, 4, 1) + reason)])


def candidate_priority(kind, local_preference, component=1):
    """RFC 8445 5.1.2.1 with the recommended type preferences (host 126, srflx 100)."""
    type_preference = {"host": 126, "prflx": 110, "srflx": 100, "relay": 0}[kind]
    return (type_preference << 24) + (local_preference << 8) + (256 - component)


def pair_priority(controlling_priority, controlled_priority):
    """RFC 8445 6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0), G the controlling agent's candidate."""
    g, d = controlling_priority, controlled_priority
    return (min(g, d) << 32) + 2 * max(g, d) + (1 if g > d else 0)
