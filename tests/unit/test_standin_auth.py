"""The stand-in Jicofo authenticates conference requests as jicofo @7ebb13dc does (jitsi_standin.auth)."""

import xml.etree.ElementTree as ET

import pytest

from jitsi_standin import auth, config, hocon

BASE = """jicofo { xmpp { client { xmpp-domain = "meet.example.org", domain = "auth.meet.example.org",
password = "p" } } }
"""
ROOM = "room1@conference.meet.example.org"


def _config(text):
    return config.jicofo_config(hocon.loads(BASE + text, source="jicofo.conf"))


def test_authentication_is_off_by_default_and_when_disabled():
    assert _config("").authentication is None
    assert _config('jicofo.authentication { enabled = false, type = XMPP, login-url = "x" }').authentication is None
    assert _config("jicofo.authentication { enabled = true, type = NONE }").authentication is None


def test_authentication_settings_as_the_role_writes_them():
    settings = _config('jicofo.authentication { enabled = true, type = XMPP, login-url = "meet.example.org" }')
    assert settings.authentication == config.AuthSettings("XMPP", "meet.example.org", True, 86400)
    assert _config('jicofo.authentication { enabled = true, type = JWT, login-url = "d" }').authentication.type == "JWT"


@pytest.mark.parametrize("text, message", [
    ("jicofo.authentication { enabled = true, type = XMPP }", "jicofo.authentication.login-url is missing"),
    ('jicofo.authentication { enabled = true, type = LDAP, login-url = "d" }', "not XMPP, JWT or NONE"),
])
def test_bad_authentication_settings_stop_jicofo(text, message):
    with pytest.raises(config.ConfigError, match=message):
        _config(text)


def test_without_authority_anyone_creates_rooms():
    assert auth.check_request(None, "guest@meet.example.org/r", ROOM, False) == (
        None, {}, {"authentication": "false"})


def _authority(external=False):
    return auth.DomainAuthority("meet.example.org", external=external)


def test_a_guest_cannot_create_a_room():
    error, attributes, properties = auth.check_request(_authority(), "abc@guest.meet.example.org/r1", ROOM, False)
    assert error == auth.AuthError("not-authorized", "not authorized user domain")
    assert properties == {"authentication": "true", "externalAuth": "false"} and attributes == {}


def test_an_account_creates_it_and_a_guest_then_joins():
    authority = _authority()
    error, attributes, _ = auth.check_request(authority, "alice@meet.example.org/r1", ROOM, False, machine_uid="m1")
    assert error is None
    assert attributes["identity"] == "alice@meet.example.org" and attributes["session-id"]
    assert auth.check_request(authority, "abc@guest.meet.example.org/r1", ROOM, True)[0] is None


def test_an_account_must_send_its_machine_uid():
    error, _, _ = auth.check_request(_authority(), "alice@meet.example.org/r1", ROOM, False)
    assert error == auth.AuthError("not-acceptable", "Missing mandatory attribute 'machine-uid'")


def test_sessions_are_checked():
    authority = _authority()
    _, attributes, _ = auth.check_request(authority, "alice@meet.example.org/r1", ROOM, False, machine_uid="m1")
    sid = attributes["session-id"]
    # A reconnect (new full JID) with its session keeps the identity, even from another domain.
    error, again, _ = auth.check_request(authority, "x@guest.meet.example.org/r2", ROOM, False, session_id=sid,
                                         machine_uid="m1")
    assert error is None and again["identity"] == "alice@meet.example.org"
    assert auth.check_request(authority, "a@meet.example.org/r", ROOM, False, session_id=sid, machine_uid="m2")[0] \
        == auth.AuthError("not-acceptable", "machine UID mismatch or empty")
    assert auth.check_request(authority, "a@meet.example.org/r", ROOM, False, session_id="nope", machine_uid="m1")[0] \
        == auth.AuthError("not-acceptable", "invalid session", session_invalid=True)


def test_breakout_rooms_are_not_authenticated_by_jicofo():
    room = "b1@breakout.meet.example.org"
    assert auth.check_request(_authority(), "g@guest.meet.example.org/r", room, False, "breakout.meet.example.org")[0] \
        is None


def test_jwt_authority_is_external():
    error, attributes, properties = auth.check_request(_authority(external=True), "uuid@meet.example.org/r", ROOM,
                                                       False, machine_uid="m")
    assert error is None and properties["externalAuth"] == "true"


def test_answer_carries_the_authentication_properties_and_identity():
    # The daemon's modules need Debian's python3-slixmpp (in the stand-in packages' containers).
    pytest.importorskip("slixmpp")
    from jitsi_standin.conference import FOCUS, answer_element

    element = answer_element(ROOM, "focus@auth.meet.example.org/focus", True,
                             {"authentication": "true", "externalAuth": "false"},
                             {"identity": "alice@meet.example.org", "session-id": "s1"})
    properties = [(p.get("name"), p.get("value")) for p in element.iter(f"{{{FOCUS}}}property")]
    assert properties == [("authentication", "true"), ("externalAuth", "false"), ("visitors-supported", "false")]
    assert element.get("identity") == "alice@meet.example.org" and element.get("session-id") == "s1"
    assert ET.tostring(answer_element(ROOM, "f", True)).count(b'name="authentication" value="false"') == 1
