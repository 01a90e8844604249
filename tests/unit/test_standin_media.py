"""The bridge stand-in's media sockets: STUN answers and the ports jvb.conf asks for."""

import struct

from jitsi_standin import config, envfile, hocon, media

ENV = envfile.loads('JVB_OPTS="--apis=rest"')
LOGIN = """apis { xmpp-client { configs { s { hostname = h, domain = d, username = u, password = p,
  muc_jids = "b@internal.d", muc_nickname = n } } } }"""


def _request(transaction=b"0123456789ab", kind=media.BINDING_REQUEST, magic=media.STUN_MAGIC):
    return struct.pack("!HHI", kind, 0, magic) + transaction


def test_binding_request_gets_the_xor_mapped_address():
    answer = media.stun_binding_response(_request(), ("192.0.2.7", 40000))
    kind, length, magic = struct.unpack("!HHI", answer[:8])
    assert (kind, length, magic) == (media.BINDING_SUCCESS, 12, media.STUN_MAGIC)
    assert answer[8:20] == b"0123456789ab"
    attr, size, _, family, xport = struct.unpack("!HHBBH", answer[20:28])
    assert (attr, size, family) == (media.XOR_MAPPED_ADDRESS, 8, 1)
    assert xport ^ (media.STUN_MAGIC >> 16) == 40000
    address = bytes(b ^ m for b, m in zip(answer[28:32], struct.pack("!I", media.STUN_MAGIC)))
    assert address == bytes([192, 0, 2, 7])


def test_anything_but_a_binding_request_is_not_answered():
    assert media.stun_binding_response(b"hello", ("192.0.2.7", 1)) is None
    assert media.stun_binding_response(_request(kind=0x0111), ("192.0.2.7", 1)) is None
    assert media.stun_binding_response(_request(magic=0), ("192.0.2.7", 1)) is None


def test_media_ports_follow_jvb_conf():
    tree = hocon.loads("videobridge { " + LOGIN + """
      ice { udp { port = 10001 }, tcp { enabled = true, port = 4444 } }
      octo { enabled = true, bind-address = "10.99.0.5", bind-port = 4097 } }""")
    cfg = config.bridge_config(tree, ENV)
    assert (cfg.udp_port, cfg.tcp_port, cfg.octo_address, cfg.octo_port) == (10001, 4444, "10.99.0.5", 4097)


def test_tcp_fallback_and_octo_are_off_unless_enabled():
    tree = hocon.loads("videobridge { " + LOGIN + """
      ice { tcp { port = 4444 } }, octo { enabled = false, bind-address = "10.99.0.5" } }""")
    cfg = config.bridge_config(tree, ENV)
    assert (cfg.udp_port, cfg.tcp_port, cfg.octo_address) == (10000, 0, "")
