"""Authentication models (filter_plugins/jitsi_auth.py): the checks and what each role writes."""

import pathlib

import pytest
import yaml

import jitsi_auth
import jitsi_plan

ROOT = pathlib.Path(__file__).resolve().parents[2]
GROUPS = {"all": ["a-signal", "a-jvb1", "b-signal"], "signal": ["a-signal", "b-signal"], "jvb": ["a-jvb1"],
          "shard_a": ["a-signal", "a-jvb1"], "shard_b": ["b-signal"]}
JWT = {"jitsi_auth_mode": "jwt", "jitsi_auth_jwt_app_id": "shards", "jitsi_auth_jwt_app_secret": "s3cret-value",
       "jitsi_auth_jwt_accepted_audiences": ["jitsi"]}


def _errors(**settings):
    """The checks for two signal nodes that both have `settings` (as group_vars/all gives them)."""
    return jitsi_auth.auth_errors(GROUPS, {"a-signal": dict(settings), "b-signal": dict(settings)}, {})


def test_fallback_defaults_are_the_roles_defaults():
    files = {}
    for role in ("jitsi", "jitsi_prosody"):
        files.update(yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text()))
    assert {name: files[name] for name in jitsi_auth.DEFAULTS} == jitsi_auth.DEFAULTS


@pytest.mark.parametrize("settings", [
    {},
    {"jitsi_auth_mode": "secure_domain", "jitsi_auth_users": [{"name": "alice", "password": "x"}, {"name": "bob"}]},
    {"jitsi_auth_mode": "secure_domain", "jitsi_auth_users": [], "jitsi_auth_remove_unlisted": False},
    JWT,
    dict(JWT, jitsi_auth_jwt_accepted_issuers=["issuer-a", "issuer-b"], jitsi_auth_jwt_accepted_audiences=["*"]),
    {"jitsi_prosody_authentication": "anonymous"},
])
def test_valid_settings(settings):
    assert _errors(**settings) == []


def test_unknown_mode_names_hosts_and_choices():
    (msg,) = _errors(jitsi_auth_mode="ldap")
    assert msg == "jitsi_auth_mode is 'ldap' (hosts a-signal, b-signal): set it to open, secure_domain or jwt."


def test_mode_must_be_the_same_on_every_shard():
    (msg,) = jitsi_auth.auth_errors(GROUPS, {"a-signal": {"jitsi_auth_mode": "open"}, "b-signal": JWT}, {})
    assert msg.startswith("jitsi_auth_mode differs between signal nodes (jwt on b-signal; open on a-signal)")
    assert "set it once in group_vars/all" in msg


def test_jwt_needs_app_id():
    (msg,) = _errors(**dict(JWT, jitsi_auth_jwt_app_id=""))
    assert msg.startswith("jitsi_auth_mode is jwt (hosts a-signal, b-signal) but jitsi_auth_jwt_app_id is empty")


def test_jwt_needs_a_vaulted_secret_and_never_shows_it():
    (msg,) = _errors(**dict(JWT, jitsi_auth_jwt_app_secret=""))
    assert "jitsi_auth_jwt_app_secret is empty" in msg and "Ansible Vault" in msg
    assert all("s3cret-value" not in e for e in _errors(**dict(JWT, jitsi_auth_jwt_app_id="")))


def test_jwt_needs_audiences():
    (msg,) = _errors(**dict(JWT, jitsi_auth_jwt_accepted_audiences=[]))
    assert "jitsi_auth_jwt_accepted_audiences is empty" in msg and "['*']" in msg


def test_jwt_issuers_are_a_list():
    (msg,) = _errors(**dict(JWT, jitsi_auth_jwt_accepted_issuers="shards"))
    assert msg.startswith("jitsi_auth_jwt_accepted_issuers (hosts a-signal, b-signal) must be a list")


def test_secure_domain_without_accounts():
    (msg,) = _errors(jitsi_auth_mode="secure_domain")
    assert "jitsi_auth_users is empty: nobody could open a room" in msg
    assert "jitsi_auth_remove_unlisted: false" in msg


@pytest.mark.parametrize("users, expected", [
    ("alice", "jitsi_auth_users (hosts a-signal, b-signal) is str: make it a list"),
    ([{"name": "Alice"}], "jitsi_auth_users[0] (hosts a-signal, b-signal) has no valid name ('Alice')"),
    (["alice"], "jitsi_auth_users[0] (hosts a-signal, b-signal) has no valid name (None)"),
    ([{"name": "alice"}, {"name": "alice"}], "jitsi_auth_users (hosts a-signal, b-signal) lists alice twice"),
    ([{"name": "alice", "pasword": "x"}], "jitsi_auth_users entry alice (hosts a-signal, b-signal) has unknown key(s) pasword"),
    ([{"name": "alice", "password": ""}], "jitsi_auth_users entry alice (hosts a-signal, b-signal) has an empty or non-text password"),
])
def test_account_list_problems(users, expected):
    (msg,) = _errors(jitsi_auth_mode="secure_domain", jitsi_auth_users=users)
    assert msg.startswith(expected)


def test_account_problems_never_show_a_password():
    errors = _errors(jitsi_auth_mode="secure_domain", jitsi_auth_users=[{"name": "alice", "password": 12345678}])
    assert errors and all("12345678" not in e for e in errors)


def test_accounts_are_guest_logins_now():
    (msg,) = _errors(jitsi_prosody_authentication="internal_hashed")
    assert msg.startswith("jitsi_prosody_authentication is 'internal_hashed' (hosts a-signal, b-signal)")
    assert "jitsi_auth_mode: secure_domain" in msg


def test_remove_unlisted_is_boolean():
    (msg,) = _errors(jitsi_auth_remove_unlisted="yes")
    assert msg == "jitsi_auth_remove_unlisted (hosts a-signal, b-signal) must be true or false."


def test_different_values_are_reported_per_host():
    hostvars = {"a-signal": dict(JWT), "b-signal": dict(JWT, jitsi_auth_jwt_app_id="")}
    (msg,) = jitsi_auth.auth_errors(GROUPS, hostvars, {})
    assert msg.startswith("jitsi_auth_mode is jwt (hosts b-signal) but jitsi_auth_jwt_app_id is empty")


def test_the_plan_runs_the_checks():
    hostvars = {h: {} for h in GROUPS["all"]}
    hostvars["a-signal"]["jitsi_auth_mode"] = "ldap"
    hostvars["b-signal"]["jitsi_auth_mode"] = "ldap"
    settings = {"defaults": {"pool_size": 2, "region": "default"}, "seed_defined": True, "front_external": True,
                "member_groups": ["signal", "jvb"], "auth_defaults": jitsi_auth.DEFAULTS,
                "cidrs": {"jitsi_overlay_wg_cidr": "10.98.0.0/24", "jitsi_overlay_cidr": "10.99.0.0/24"}}
    groups = dict(GROUPS, shards=GROUPS["all"])
    assert jitsi_plan.cluster_plan(groups, hostvars, settings)["errors"] == [
        "jitsi_auth_mode is 'ldap' (hosts a-signal, b-signal): set it to open, secure_domain or jwt."]


def test_accounts_only_with_secure_domain_and_passwords_from_vault_or_seed():
    users = [{"name": "alice", "password": "from-vault"}, {"name": "bob"}]
    assert jitsi_auth.auth_accounts(users, "open", "meet.example.org", "seed") == []
    assert jitsi_auth.auth_accounts(users, "jwt", "meet.example.org", "seed") == []
    alice, bob = jitsi_auth.auth_accounts(users, "secure_domain", "meet.example.org", "seed")
    assert alice == {"user": "alice", "host": "meet.example.org", "password": "from-vault"}
    assert bob["user"] == "bob" and bob["password"] == jitsi_auth.user_password("seed", "bob")
    assert len(bob["password"]) == 64 and bob["password"] != jitsi_auth.user_password("seed", "alice")
    assert bob["password"] != jitsi_auth.user_password("other seed", "bob")


def test_stale_accounts_are_the_toolkits_own_no_longer_listed():
    markers = ["focus@auth.meet.example.org", "jvb-01@auth.meet.example.org", "alice@meet.example.org",
               "bob@meet.example.org", "carol@meet.example.org.evil"]
    accounts = [{"user": "alice", "host": "meet.example.org", "password": "x"}]
    assert jitsi_auth.stale_accounts(markers, accounts, "meet.example.org") == ["bob"]
    assert jitsi_auth.stale_accounts(markers, [], "meet.example.org") == ["alice", "bob"]


def test_prosody_open():
    auth = jitsi_auth.prosody_auth("open", "meet.example.org", "jitsi-anonymous")
    assert auth == {"main_authentication": "jitsi-anonymous", "main_options": {}, "guest": None,
                    "conference_modules": [], "login_domain": "meet.example.org"}


def test_prosody_secure_domain():
    auth = jitsi_auth.prosody_auth("secure_domain", "meet.example.org", "anonymous")
    assert auth["main_authentication"] == "internal_hashed"
    assert auth["guest"] == {"host": "guest.meet.example.org", "authentication": "anonymous"}
    assert auth["login_domain"] == "guest.meet.example.org"
    assert "app_secret" not in auth["main_options"] and auth["conference_modules"] == []


def test_prosody_jwt():
    jwt = {"app_id": "shards", "app_secret": "s", "accepted_issuers": [], "accepted_audiences": ["jitsi"]}
    auth = jitsi_auth.prosody_auth("jwt", "meet.example.org", "jitsi-anonymous", jwt)
    assert auth["main_authentication"] == "token"
    assert auth["main_options"] == {"app_id": "shards", "app_secret": "s", "asap_accepted_issuers": ["shards"],
                                    "asap_accepted_audiences": ["jitsi"], "allow_empty_token": False}
    assert auth["conference_modules"] == ["token_verification"]
    assert auth["guest"] is None and auth["login_domain"] is None
    jwt["accepted_issuers"] = ["issuer-a"]
    assert jitsi_auth.prosody_auth("jwt", "d", "jitsi-anonymous", jwt)["main_options"]["asap_accepted_issuers"] == [
        "issuer-a"]


def test_prosody_refuses_an_unknown_mode():
    with pytest.raises(jitsi_auth.AnsibleFilterError, match="jitsi_auth_mode is .ldap."):
        jitsi_auth.prosody_auth("ldap", "meet.example.org", "jitsi-anonymous")


def test_jicofo_and_web():
    assert jitsi_auth.jicofo_authentication("open", "meet.example.org") == {}
    assert jitsi_auth.jicofo_authentication("secure_domain", "meet.example.org") == {
        "enabled": True, "type": "XMPP", "login-url": "meet.example.org"}
    assert jitsi_auth.jicofo_authentication("jwt", "meet.example.org")["type"] == "JWT"
    assert jitsi_auth.web_hosts("secure_domain", "meet.example.org") == {"anonymousdomain": "guest.meet.example.org"}
    assert jitsi_auth.web_hosts("open", "meet.example.org") == {} == jitsi_auth.web_hosts("jwt", "meet.example.org")
