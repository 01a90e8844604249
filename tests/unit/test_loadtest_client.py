"""The participant's stanzas are well-formed and carry what jitsi-meet's presence carries."""

import os
import xml.etree.ElementTree as ET

from jitsi_shards_loadtest import client
from jitsi_shards_loadtest.run import parse_front


def joined(display="Zoë <&>"):
    c = client.MeetClient("127.0.0.1", "meet.example.org", "Room1")
    c.nick, c.display = "abcd1234", display
    return c


def test_join_presence_is_jitsi_meets():
    presence = ET.fromstring(joined().presence(joining=True, region="eu"))
    assert presence.get("to") == "room1@conference.meet.example.org/abcd1234"
    ns = client.STANZAS
    assert presence.find(f"{{{client.MUC}}}x") is not None
    assert presence.find(f"{{{client.NICK}}}nick").text == "Zoë <&>"
    assert presence.find(f"{{{client.JITSI_MEET}}}region").get("id") == "eu"
    assert presence.find(f"{{{client.STANZAS}}}jitsi_participant_region").text == "eu"
    assert presence.find(f"{{{client.CAPS}}}c").get("node") == "https://jitsi.org/jitsi-meet"
    for tag in ("stats-id", "SourceInfo", "jitsi_participant_codecList", "audiomuted", "videomuted"):
        assert presence.find(f"{{{ns}}}{tag}") is not None, tag
    assert '"abcd1234-a0":{"muted":true}' in presence.find(f"{{{ns}}}SourceInfo").text


def test_an_update_has_no_muc_element_and_toggles_audio():
    c = joined()
    sent = []
    c.send = sent.append
    c.toggle_audio()
    update = ET.fromstring(sent[0])
    assert update.find(f"{{{client.MUC}}}x") is None
    assert update.find(f"{{{client.STANZAS}}}audiomuted").text == "false"


def test_chat_and_ping_are_well_formed():
    c = joined()
    sent = []
    c.send = sent.append
    c.chat("a < b")
    c.ping()
    message, ping = (ET.fromstring(s) for s in sent)
    assert message.get("type") == "groupchat" and message.find(f"{{{client.STANZAS}}}body").text == "a < b"
    assert ping.find(f"{{{client.PING}}}ping") is not None


def test_masking_round_trips():
    mask, data = os.urandom(4), os.urandom(1000)
    assert client.unmask(client.unmask(data, mask), mask) == data
    assert client.unmask(b"abc", b"\x01\x01\x01\x01") == b"`cb"
    assert client.unmask(b"", mask) == b""


def test_fronts():
    assert parse_front("lab-haproxy1") == ("lab-haproxy1", 443)
    assert parse_front("10.0.0.1:8443") == ("10.0.0.1", 8443)
