"""TURN for clients whose network blocks UDP: coturn, credentials over XMPP, TURNS on 443.

A client (on edge-signal) gets credentials from Prosody the way lib-jitsi-meet does (XEP-0215),
then coturn's own client allocates relays with them on both TURN hosts, over UDP and over TLS
on the 443 HAProxy shares with HTTPS.
"""

import base64
import hashlib
import hmac
import json
import os
import pathlib
import time

import pytest

from testlib import host, poll


def poll_output(target, command, done, timeout=20):
    return poll(lambda: target.run(command).stdout, done, timeout=timeout, interval=1)
import jitsi_inventory

DOMAIN = "meet.edge.test"
TURN_NAME = "turn.edge.test"
FRONTS = ["edge-front1", "edge-front2"]

# One TLS handshake to <address>:443 with the given SNI/ALPN, then GET /: prints the ALPN the
# server chose and the HTTP status line (or the error).
_TLS_PROBE = """
import socket, ssl, sys
address, sni, alpn = sys.argv[1], sys.argv[2] or None, sys.argv[3]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
if alpn:
    ctx.set_alpn_protocols(alpn.split(","))
try:
    with socket.create_connection((address, 443), timeout=5) as raw, ctx.wrap_socket(raw, server_hostname=sni) as s:
        s.sendall(f"GET / HTTP/1.1\\r\\nHost: {sni or address}\\r\\nConnection: close\\r\\n\\r\\n".encode())
        print(s.recv(64).split(b"\\r\\n")[0].decode(errors="replace"))
except Exception as exc:
    print(f"error {type(exc).__name__}")
"""


@pytest.fixture(scope="module")
def client():
    return host("edge-signal")


@pytest.fixture(scope="module")
def addresses(client):
    return {name: client.check_output(f"getent ahostsv4 {name} | head -1 | cut -d' ' -f1")
            for name in FRONTS + ["edge-jvb1", "edge-signal"]}


@pytest.fixture(scope="module")
def extdisco():
    # Fetched by side_effect.yml as a guest, before the auth switch (tests/files/extdisco_client.py).
    return json.loads((pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "extdisco.json").read_text())


def _credential(extdisco, kind, transport):
    found = [s for s in extdisco["services"] if s["type"] == kind and s["transport"] == transport]
    assert len(found) == 1, extdisco
    return found[0]["username"], found[0]["password"]


def _uclient(client, server, user, password, peer, tls=False):
    """coturn's client: allocate, permit `peer`, send 3 packets to it; returns its output."""
    mode = "-t -S -p 443" if tls else "-p 3478"
    # Over TLS coturn's client takes 10-20 s here (it retries some handshakes).
    cmd = client.run(f"timeout 60 turnutils_uclient {mode} -c -n 3 -u {user} -w {password} -e {peer} -r 10000 {server}")
    return cmd.stdout + cmd.stderr


def test_prosody_advertises_and_hands_out_time_limited_turn_credentials(extdisco):
    assert extdisco["advertised"], "urn:xmpp:extdisco:2 missing from the domain's disco#info"
    kinds = sorted((s["type"], s["transport"], int(s["port"])) for s in extdisco["services"])
    assert kinds == [("stun", "udp", 3478), ("turn", "tcp", 3478), ("turn", "udp", 3478), ("turns", "tcp", 443)]
    assert all(s["host"] == TURN_NAME for s in extdisco["services"])
    user, _password = _credential(extdisco, "turns", "tcp")
    # Upstream's scheme: the username is the expiry time, the TTL from jitsi_turn_credential_ttl.
    assert abs(int(user) - (time.time() + 86400)) < 600


@pytest.mark.parametrize("front", FRONTS)
@pytest.mark.parametrize("tls", [False, True], ids=["udp", "tls-on-443"])
def test_a_client_allocates_a_relay_to_the_bridge_with_fetched_credentials(client, addresses, extdisco, front, tls):
    user, password = _credential(extdisco, "turns" if tls else "turn", "tcp" if tls else "udp")
    # The relayed packets must arrive at the bridge's media port, sent by the TURN host.
    bridge = host("edge-jvb1")
    capture = f"/tmp/relayed-{front}-{tls}.txt"
    bridge.check_output(f"(timeout 70 tcpdump -lni any -c 3 'udp dst port 10000 and src host {addresses[front]}' "
                        f"> {capture} 2>/dev/null &) ; sleep 1")
    out = _uclient(client, addresses[front], user, password, addresses["edge-jvb1"], tls=tls)
    # (Over TLS the client first tries older TLS versions, which coturn refuses: those lines say
    # "cannot connect" before the TLS 1.2 session; what matters is that the relay works.)
    assert "ERROR:" not in out and "403" not in out, out
    assert "tot_send_msgs=3" in out, out
    if tls:
        assert "tls_connect: client session connected" in out, out
    seen = poll_output(bridge, f"cat {capture}", lambda text: text.count(" UDP") >= 3)
    assert seen.count(f"{addresses[front]}.") >= 3, seen


def _secret():
    return jitsi_inventory.derive_secret(os.environ["JITSI_SHARDS_TEST_SEED"], "turn")


def _signed(username):
    return base64.b64encode(hmac.new(_secret().encode(), username.encode(), hashlib.sha1).digest()).decode()


@pytest.mark.parametrize("case", ["wrong-password", "expired"])
def test_a_wrong_or_expired_credential_is_refused(client, addresses, extdisco, case):
    if case == "wrong-password":
        user, password = _credential(extdisco, "turn", "udp")
        password = _signed("not-" + user)
    else:  # correctly signed, but its time is up
        user = str(int(time.time()) - 60)
        password = _signed(user)
    out = _uclient(client, addresses["edge-front1"], user, password, addresses["edge-jvb1"])
    assert "Cannot complete Allocation" in out, out
    assert "tot_send_msgs=3" not in out


@pytest.mark.parametrize("peer", ["127.0.0.1", "edge-signal"])
def test_a_relay_to_loopback_or_a_private_host_that_is_no_bridge_is_refused(client, addresses, extdisco, peer):
    user, password = _credential(extdisco, "turn", "udp")
    out = _uclient(client, addresses["edge-front1"], user, password, addresses.get(peer, peer))
    assert "403 (Forbidden IP)" in out, out


@pytest.mark.parametrize("sni, alpn, served_by", [
    (DOMAIN, "h2,http/1.1", "web"),       # a browser
    (DOMAIN, "", "web"),                  # a probe without ALPN, by its name
    ("", "http/1.1", "web"),              # by ALPN alone (upstream's rule)
    (TURN_NAME, "", "turn"),              # a TURNS client naming the TURN host
])
def test_443_splits_https_from_turns_by_sni_and_alpn(client, addresses, sni, alpn, served_by):
    client.check_output(f"cat > /tmp/tls_probe.py <<'EOF'\n{_TLS_PROBE}\nEOF")
    line = client.check_output(f"python3 /tmp/tls_probe.py {addresses['edge-front1']} '{sni}' '{alpn}'")
    if served_by == "web":
        assert line.startswith("HTTP/1.1 "), line
    else:  # coturn answers no HTTP: it closes or sends nothing HTTP-shaped
        assert not line.startswith("HTTP/"), line
