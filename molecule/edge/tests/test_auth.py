"""Authentication models (issue 20) on edge-signal (shard_e, meet.edge.test), as browsers reach them:
BOSH through nginx (/http-bind?room=...&token=...), tests/files/bosh_client.py run in the container.

side_effect_auth.yml recorded the secure_domain clients (the scenario converges with it), then
switched the signal node to jwt (playbooks/shard.yml, twice); the jwt clients run here.
"""

import base64
import hashlib
import hmac
import json
import os
import pathlib
import sys
import time
import uuid

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "resources"))
from testlib import changed_tasks, host, jitsi_inventory  # noqa: E402

testinfra_hosts = ["ansible://edge-signal"]
DOMAIN = "meet.edge.test"
SIGNAL = "edge-signal"
CLIENT = pathlib.Path(__file__).parent / "files" / "bosh_client.py"
PROSODY_LOG = "/var/log/prosody/prosody.log"
EPHEMERAL = pathlib.Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))


@pytest.fixture(scope="module")
def node():
    signal = host(SIGNAL)
    signal.check_output(f"cat > /tmp/bosh_client.py <<'EOF'\n{CLIENT.read_text()}\nEOF")
    return signal


@pytest.fixture(scope="module")
def secret():
    seed = os.environ.get("JITSI_SHARDS_TEST_SEED", "")
    assert seed, "JITSI_SHARDS_TEST_SEED must be set (the Makefile does)"
    # The secret side_effect_auth.yml gives Prosody: derived from the seed the same way.
    return jitsi_inventory.derive_secret(seed, "edge-test", "jwt")


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(secret, **claims):
    """An HS256 token as a jitsi-meet deployment's token service mints one."""
    claims = {"iss": "edge", "aud": "jitsi", "sub": DOMAIN, "room": "*", "exp": int(time.time()) + 600, **claims}
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = _b64(hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{signature}"


def browser(node, **steps):
    steps = {"url": "https://127.0.0.1/http-bind", "domain": DOMAIN, "muc": f"conference.{DOMAIN}",
             "room": f"jwtroom{uuid.uuid4().hex[:8]}", "join": True, **steps}
    return json.loads(node.check_output("timeout 120 python3 /tmp/bosh_client.py %s", json.dumps(steps)))


# secure_domain (recorded by side_effect_auth.yml before the switch) ---------------------------------

@pytest.fixture(scope="module")
def secure():
    guest_first, alice, guest_then = json.loads((EPHEMERAL / "auth-secure-domain.json").read_text())
    return {"guest_first": guest_first, "alice": alice, "guest_then": guest_then}


def test_secure_domain_a_guest_cannot_create_a_room(secure):
    guest = secure["guest_first"]
    assert guest["login"] == "success" and guest["jid"].split("/")[0].endswith(f"@guest.{DOMAIN}")
    # Jicofo ConferenceIqHandler.processExtensions: ErrorFactory.createNotAuthorizedError.
    assert guest["conference"]["type"] == "error"
    assert guest["conference"]["condition"] == "not-authorized"
    assert guest["conference"]["text"] == "not authorized user domain"
    assert guest["joined"] is False


def test_secure_domain_a_registered_user_creates_it(secure):
    alice = secure["alice"]
    assert alice["login"] == "success" and alice["jid"].startswith(f"alice@{DOMAIN}/")
    assert alice["conference"]["type"] == "result" and alice["conference"]["ready"] == "true"
    assert alice["conference"]["attrs"]["identity"] == f"alice@{DOMAIN}"
    assert alice["joined"] is True


def test_secure_domain_a_guest_then_joins_it(secure):
    guest = secure["guest_then"]
    assert guest["conference"]["type"] == "result" and guest["conference"]["ready"] == "true"
    assert guest["joined"] is True


# the switch to jwt ------------------------------------------------------------------------------------

def test_switching_to_jwt_leaves_nothing_of_secure_domain(node):
    prosody = node.file(f"/etc/prosody/conf.avail/{DOMAIN}.cfg.lua")
    assert prosody.mode == 0o640
    text = prosody.content_string
    assert 'authentication = "token"' in text and "allow_empty_token = false" in text
    assert f'VirtualHost "guest.{DOMAIN}"' not in text and "disable_sasl_mechanisms" not in text
    jicofo = node.file("/etc/jitsi/jicofo/jicofo.conf").content_string
    assert "type = JWT" in jicofo and "type = XMPP" not in jicofo
    assert "anonymousdomain" not in node.file(f"/etc/jitsi/meet/{DOMAIN}-overrides.js").content_string
    # alice's account (registered by the toolkit) went with the mode.
    assert not node.file(f"/var/lib/prosody/{DOMAIN.replace('.', '%2e')}/accounts/alice.dat").exists


def test_the_switch_is_idempotent():
    second = (EPHEMERAL / "auth-jwt-second.out").read_text()
    assert [t for t in changed_tasks(second) if t[1] == SIGNAL] == []


def test_the_secret_is_never_printed(secret):
    for name in ("auth-jwt-first.out", "auth-jwt-second.out"):
        assert secret not in (EPHEMERAL / name).read_text()


# jwt (live) -------------------------------------------------------------------------------------------

def test_a_valid_token_joins(node, secret):
    result = browser(node, token=token(secret))
    assert result["login"] == "success"
    assert result["conference"]["type"] == "result" and result["conference"]["ready"] == "true"
    assert result["joined"] is True


@pytest.mark.parametrize("case, claims, signing, reason", [
    ("expired", {"exp": int(time.time()) - 60}, None, "Not acceptable by exp"),
    ("bad signature", {}, "not-the-secret", "Invalid signature"),
    ("wrong audience", {"aud": "some-other-service"}, None, "invalid 'aud' claim"),
])
def test_bad_tokens_are_refused_each_with_its_log_line(node, secret, case, claims, signing, reason):
    before = int(node.check_output(f"wc -l < {PROSODY_LOG}"))
    result = browser(node, token=token(signing or secret, **claims))
    assert result["login"] == "failure", case
    assert (result["condition"], result["text"]) == ("not-allowed", reason), case
    # mod_auth_token's line (jitsi-meet mod_auth_token.lua): one per refusal, naming its reason.
    new = node.check_output(f"tail -n +{before + 1} {PROSODY_LOG}")
    assert f"Error verifying token err:not-allowed, reason:{reason}" in new, case


def test_a_token_for_another_domain_logs_in_but_joins_no_room(node, secret):
    # Current upstream verifies the token's sub against the room's domain by default
    # (enable_domain_verification): mod_token_verification refuses the MUC join.
    result = browser(node, token=token(secret, sub="other.example.org"))
    assert result["login"] == "success"
    assert result["joined"] is False


def test_no_token_no_login(node):
    result = browser(node)
    assert (result["login"], result["text"]) == ("failure", "token required")
