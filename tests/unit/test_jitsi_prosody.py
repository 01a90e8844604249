import pytest
from ansible.errors import AnsibleFilterError

import jitsi_prosody as jp

DOMAIN = "meet.example.org"
ALL = {name: True for name in jp.FEATURES}
POOL = ["jvb-01@auth.meet.example.org", "jvb-02@auth.meet.example.org"]


def layout(features=None):
    return jp.prosody_layout(ALL if features is None else features, DOMAIN, ["bosh", "websocket"],
                             ["muc_meeting_id"], POOL)


def component(result, host):
    return next(c for c in result["components"] if c["host"] == host)


def test_every_feature_on_by_default_as_upstream_ships_them():
    result = jp.prosody_layout({}, DOMAIN, [], [], [])
    assert set(result["identities"]) == {"lobbyrooms", "breakout_rooms", "av_moderation", "end_conference",
                                         "speakerstats", "polls", "room_metadata"}


def test_main_host_modules_and_options_for_the_lobby_and_breakout_rooms():
    result = layout()
    assert result["main_modules"] == ["bosh", "websocket", "features_identity", "muc_lobby_rooms", "muc_breakout_rooms"]
    assert result["main_options"] == {"main_muc": f"conference.{DOMAIN}", "lobby_muc": f"lobby.{DOMAIN}",
                                      "breakout_rooms_muc": f"breakout.{DOMAIN}"}


def test_feature_components_are_bound_to_the_conference_muc():
    result = layout()
    for host, module in [("avmoderation", "av_moderation_component"), ("endconference", "end_conference"),
                         ("speakerstats", "speakerstats_component"), ("polls", "polls_component"),
                         ("metadata", "room_metadata_component")]:
        c = component(result, f"{host}.{DOMAIN}")
        assert c["module"] == module
        if module != "polls_component":
            assert c["options"]["muc_component"] == f"conference.{DOMAIN}"
        else:
            assert c["options"] == {}
    assert component(result, f"metadata.{DOMAIN}")["options"]["breakout_rooms_component"] == f"breakout.{DOMAIN}"


def test_a_feature_switched_off_leaves_no_module_option_or_component():
    result = layout(dict(ALL, lobby=False, breakout_rooms=False))
    assert "muc_lobby_rooms" not in result["main_modules"] and "lobby_muc" not in result["main_options"]
    hosts = {c["host"] for c in result["components"]}
    assert f"lobby.{DOMAIN}" not in hosts and f"breakout.{DOMAIN}" not in hosts
    assert "breakout_rooms_component" not in component(result, f"metadata.{DOMAIN}")["options"]
    assert "lobbyrooms" not in result["identities"]


def test_the_brewery_is_hidden_restricted_and_filtered_to_the_auth_domain():
    brewery = component(layout(), f"internal.auth.{DOMAIN}")
    assert {"muc_hide_all", "muc_filter_access"} <= set(brewery["modules"])
    assert brewery["options"]["restrict_room_creation"] is True
    assert brewery["options"]["muc_filter_whitelist"] == f"auth.{DOMAIN}"
    # Only admins create rooms there: focus and every bridge slot of the pool.
    assert brewery["options"]["admins"] == [f"focus@auth.{DOMAIN}"] + POOL


def test_conference_muc_is_hidden_and_focus_administers_it():
    conference = component(layout(), f"conference.{DOMAIN}")
    assert conference["modules"] == ["muc_hide_all", "muc_meeting_id"]
    assert conference["options"]["admins"] == [f"focus@auth.{DOMAIN}"]
    assert conference["options"]["restrict_room_creation"] is True


def test_unlimited_jids_are_focus_and_the_pool():
    assert layout()["unlimited_jids"] == [f"focus@auth.{DOMAIN}"] + POOL


@pytest.mark.parametrize("features, message", [
    ({"lobbby": True}, r"unknown feature\(s\) lobbby"),
    ({"lobby": "yes"}, "lobby must be true or false"),
])
def test_bad_feature_settings_are_named(features, message):
    with pytest.raises(AnsibleFilterError, match=message):
        layout(features)


@pytest.mark.parametrize("value, lua", [
    (True, "true"), (False, "false"), (10000, "10000"), ("a\"b", '"a\\"b"'),
    (["x", "y"], '{ "x"; "y"; }'), ([], "{  }"),
])
def test_lua_literals(value, lua):
    assert jp.lua_value(value) == lua


def test_lua_refuses_what_it_cannot_write():
    with pytest.raises(AnsibleFilterError, match="cannot write"):
        jp.lua_value({1.5})


def test_store_path_escapes_like_prosodys_datamanager():
    assert jp.store_path("focus", "auth.meet-1.example.org", "roster") == \
        "/var/lib/prosody/auth%2emeet%2d1%2eexample%2eorg/roster/focus.dat"
