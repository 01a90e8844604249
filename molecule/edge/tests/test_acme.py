"""ACME certificates (roles/jitsi_acme) against pebble, Debian's ACME test server.

prepare_acme.yml runs pebble (on edge-front1, the ACME host), whose mock DNS sends the CA's
HTTP-01 requests to edge-front2, which is not the ACME host: the challenge crosses HAProxy's
route to edge-front1's certbot. side_effect_acme.yml forces a renewal while a client opens HTTPS connections to both
HAProxy nodes, and records it in acme.json.
"""

import json
import os
import pathlib

import pytest

from testlib import host

DOMAIN = "meet.edge.test"
NAMES = [DOMAIN, "turn.edge.test"]
# ACME host first.
FRONTS = ["edge-front1", "edge-front2"]
ACME_HOST, OTHER = FRONTS
TLS = f"/etc/jitsi-shards/tls/{DOMAIN}"
PEM = f"/etc/haproxy/certs/acme-{DOMAIN}.pem"
PUSH_SSH = ("ssh -i /var/lib/jitsi-shards-acme/id_ed25519 -o IdentitiesOnly=yes -o BatchMode=yes "
            "-o UserKnownHostsFile=/var/lib/jitsi-shards-acme/known_hosts -o StrictHostKeyChecking=yes "
            "-l jitsi-acme {address} {command}")


@pytest.fixture(scope="module")
def run():
    return json.loads((pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "acme.json").read_text())


def served(node, sni=DOMAIN):
    """Issuer, names and SHA-256 fingerprint of the certificate the node serves on 443 for `sni`."""
    out = host(node).check_output(
        f"openssl s_client -connect 127.0.0.1:443 -servername {sni} </dev/null 2>/dev/null"
        " | openssl x509 -noout -issuer -ext subjectAltName -fingerprint -sha256")
    return out


def fingerprint(text):
    line = next(line for line in text.splitlines() if "Fingerprint=" in line)
    return line.split("=", 1)[1].replace(":", "").lower()


def test_both_nodes_serve_the_acme_certificate_for_every_name():
    views = {node: served(node) for node in FRONTS}
    for node, view in views.items():
        assert "Pebble" in view, (node, view)
        assert all(f"DNS:{name}" in view for name in NAMES), (node, view)
    assert fingerprint(views[ACME_HOST]) == fingerprint(views[OTHER])
    live = host(ACME_HOST).check_output(
        f"openssl x509 -noout -fingerprint -sha256 -in /etc/letsencrypt/live/{DOMAIN}/cert.pem")
    assert fingerprint(live) == fingerprint(views[ACME_HOST])


def test_coturn_serves_it_too_on_443_by_the_turn_name():
    # SNI turn.edge.test: HAProxy passes the TLS stream to coturn, which answers with the ACME
    # files it reads in place (the renewal signalled it: same process, new certificate).
    for node in FRONTS:
        assert host(node).service("coturn").is_running
        assert fingerprint(served(node, NAMES[1])) == fingerprint(served(node))


def test_the_challenge_was_answered_through_the_node_that_is_not_the_acme_host():
    log = host(OTHER).check_output("journalctl -u haproxy.service --no-pager -o cat")
    answered = [line for line in log.splitlines()
                if " acme/acme " in line and " 200 " in line and "/.well-known/acme-challenge/" in line]
    # Issuance and forced renewal: one authorization per name each, fetched by pebble's VA.
    assert len(answered) >= 2 * len(NAMES), answered


def test_files_for_haproxy_and_coturn_are_the_same_on_both_nodes_with_tight_modes():
    sums = set()
    for node in FRONTS:
        files = host(node)
        cert, key, pem = files.file(f"{TLS}.crt"), files.file(f"{TLS}.key"), files.file(PEM)
        assert (cert.user, cert.group, cert.mode) == ("root", "root", 0o644)
        assert (key.user, key.group, key.mode) == ("root", "turnserver", 0o640)
        assert (pem.user, pem.group, pem.mode) == ("root", "root", 0o600)
        sums.add(files.check_output(f"cat {TLS}.crt {TLS}.key | sha256sum"))
    assert len(sums) == 1, sums


def test_renewal_reached_both_nodes_while_no_request_failed(run):
    assert run["renew"]["seconds"] < 60, run["renew"]
    assert any(f"{OTHER}: installed" in line for line in run["renew"]["log"]), run["renew"]["log"]
    now = {node: fingerprint(served(node)) for node in FRONTS}
    for node, address in run["addresses"].items():
        probe = run["probe"][address]
        assert probe["requests"] >= 50 and probe["failures"] == 0, (node, probe)
        seen = [f["sha256"] for f in probe["fingerprints"]]
        # The old certificate, then the renewed one, which is what the node serves now.
        assert len(seen) == 2 and seen[-1] == now[node], (node, probe["fingerprints"], now[node])


def test_renewals_are_scheduled_with_the_settings_of_the_first_issuance():
    acme = host(ACME_HOST)
    assert acme.service("certbot.timer").is_enabled and acme.service("certbot.timer").is_running
    assert acme.service("jitsi-shards-acme-push.timer").is_enabled
    conf = acme.file(f"/etc/letsencrypt/renewal/{DOMAIN}.conf").content_string
    for setting in ("authenticator = standalone", "http01_address = 127.0.0.1",
                    "renew_hook = /usr/local/sbin/jitsi-shards-acme-push"):
        assert setting in conf, conf
    assert "REQUESTS_CA_BUNDLE=/etc/jitsi-shards/acme/ca.pem" in acme.check_output(
        "systemctl show certbot.service -p Environment")


def test_the_push_key_can_install_a_sound_certificate_and_nothing_else():
    acme, other = host(ACME_HOST), host(OTHER)
    address = json.loads(acme.file("/etc/jitsi-shards/acme/push.json").content_string)["peers"][0]["address"]
    before = other.check_output(f"sha256sum {TLS}.crt {TLS}.key {PEM}")
    # A shell command: sshd runs the install command instead, which reads no bundle.
    shell = acme.run(PUSH_SSH.format(address=address, command="id") + " </dev/null")
    assert shell.rc != 0 and "uid=" not in shell.stdout and "refused: no certificate" in shell.stderr, shell
    # The live chain with a key that is not its own: refused before anything is written.
    forged = acme.run(
        f"(cat /etc/letsencrypt/live/{DOMAIN}/fullchain.pem; openssl genpkey -algorithm ec "
        "-pkeyopt ec_paramgen_curve:P-256) | " + PUSH_SSH.format(address=address, command="install"))
    assert forged.rc != 0 and "does not match" in forged.stderr, forged
    # The current bundle again: accepted, nothing changes, nothing reloads.
    same = acme.run(f"cat /etc/letsencrypt/live/{DOMAIN}/fullchain.pem /etc/letsencrypt/live/{DOMAIN}/privkey.pem | "
                    + PUSH_SSH.format(address=address, command="install"))
    assert same.rc == 0 and same.stdout.strip() == "unchanged", same
    assert other.check_output(f"sha256sum {TLS}.crt {TLS}.key {PEM}") == before
    keys = other.file("/var/lib/jitsi-shards-cert-install/.ssh/authorized_keys")
    assert keys.user == "root" and 'restrict,command="/usr/bin/sudo -n /usr/local/sbin/jitsi-shards-cert-install",from="' \
        in keys.content_string
