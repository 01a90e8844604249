"""Authentication models: who may open a room, and how Prosody, Jicofo and the web app say so.

One setting, `jitsi_auth_mode` (roles/jitsi/defaults/main.yml), read by three roles:

- `open`: anyone opens a room; guests log in with `jitsi-anonymous` on the main host (upstream's
  default, jitsi-meet doc/debian/jitsi-meet-prosody/prosody.cfg.lua-jvb.example @09efaecc).
- `secure_domain`: accounts (`internal_hashed`) on the main host open rooms, guests join through
  `guest.<domain>`; Jicofo refuses a new room to anyone not authenticated on the main host
  (jicofo `authentication { enabled = true, type = XMPP, login-url = <domain> }`,
  XMPPDomainAuthAuthority + ConferenceIqHandler.processExtensions @7ebb13dc); the web app logs
  guests in on `hosts.anonymousdomain` (docker-jitsi-meet web settings-config.js @2e6b31d8).
- `jwt`: `authentication = "token"` on the main host with `app_id`/`app_secret` (HS256),
  `asap_accepted_issuers`/`asap_accepted_audiences`, `allow_empty_token = false`, and
  `token_verification` on the conference MUC (jitsi-meet debian/jitsi-meet-tokens.postinst
  @489af0c7, docker prosody conf.d/jitsi-meet.cfg.lua @2e6b31d8); Jicofo `type = JWT`
  (ExternalJWTAuthority, as docker's jicofo.conf writes it with ENABLE_AUTH).

Pure functions, unit-tested in tests/unit/test_jitsi_auth.py; the checks run once per run in
roles/jitsi_validate (through jitsi_plan.cluster_plan).
"""

import hashlib
import hmac
import re

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # unit tests run without Ansible
    AnsibleFilterError = ValueError

MODES = ("open", "secure_domain", "jwt")
# Guest logins: upstream's jitsi-anonymous (a reconnecting client keeps its identity) or Prosody's own.
GUEST_AUTHENTICATIONS = ("jitsi-anonymous", "anonymous")
# An account name as this toolkit accepts it: what Prosody's nodeprep leaves unchanged and a shell
# argument can carry unquoted (prosodyctl takes user@host).
USER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# The settings the checks read, per host (jitsi_inventory.snapshot).
SNAPSHOT_KEYS = (
    "jitsi_auth_mode", "jitsi_auth_users", "jitsi_auth_remove_unlisted", "jitsi_auth_jwt_app_id",
    "jitsi_auth_jwt_app_secret", "jitsi_auth_jwt_accepted_issuers", "jitsi_auth_jwt_accepted_audiences",
    "jitsi_prosody_authentication",
)
# The role defaults (roles/jitsi, roles/jitsi_prosody), for callers that pass none; roles/jitsi_validate
# passes the files' values, and tests/unit/test_jitsi_auth.py checks these are the same.
DEFAULTS = {
    "jitsi_auth_mode": "open", "jitsi_auth_users": [], "jitsi_auth_remove_unlisted": True,
    "jitsi_auth_jwt_app_id": "", "jitsi_auth_jwt_app_secret": "", "jitsi_auth_jwt_accepted_issuers": [],
    "jitsi_auth_jwt_accepted_audiences": [], "jitsi_prosody_authentication": "jitsi-anonymous",
}


def _value(hostvars, host, name, defaults):
    return hostvars.get(host, {}).get(name, defaults.get(name))


def _hosts(hosts, limit=3):
    shown = ", ".join(hosts[:limit])
    return shown + (f" and {len(hosts) - limit} more" if len(hosts) > limit else "")


def _user_errors(users, where):
    if not isinstance(users, list):
        return [f"jitsi_auth_users ({where}) is {type(users).__name__}: make it a list of "
                f"{{name: <account>, password: <vaulted password, optional>}}."]
    errors, seen = [], set()
    for index, user in enumerate(users):
        name = user.get("name") if isinstance(user, dict) else None
        if not isinstance(name, str) or not USER_NAME.fullmatch(name):
            errors.append(
                f"jitsi_auth_users[{index}] ({where}) has no valid name ({name!r}): each entry is a mapping with a "
                f"`name` of lowercase letters, digits, '.', '_' or '-' (the account is name@jitsi_domain).")
            continue
        if name in seen:
            errors.append(f"jitsi_auth_users ({where}) lists {name} twice: keep one entry per account.")
        seen.add(name)
        unknown = sorted(set(user) - {"name", "password"})
        if unknown:
            errors.append(f"jitsi_auth_users entry {name} ({where}) has unknown key(s) {', '.join(unknown)}: "
                          f"an entry has `name` and optionally `password`.")
        if "password" in user and (not isinstance(user["password"], str) or not user["password"]):
            # The value is never shown: it is a secret.
            errors.append(f"jitsi_auth_users entry {name} ({where}) has an empty or non-text password: set a "
                          f"vaulted string, or drop `password` to have one derived from jitsi_secret_seed.")
    return errors


def _list_of_text(value):
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _jwt_errors(settings, where):
    errors = []
    if not str(settings["jitsi_auth_jwt_app_id"] or ""):
        errors.append(
            f"jitsi_auth_mode is jwt ({where}) but jitsi_auth_jwt_app_id is empty: set it to the application id "
            f"your token issuer uses (Prosody's app_id; it is also the accepted issuer unless "
            f"jitsi_auth_jwt_accepted_issuers says otherwise).")
    if not str(settings["jitsi_auth_jwt_app_secret"] or ""):
        errors.append(
            f"jitsi_auth_mode is jwt ({where}) but jitsi_auth_jwt_app_secret is empty: put the HS256 secret your "
            f"token issuer signs with in Ansible Vault (`ansible-vault encrypt_string --name "
            f"jitsi_auth_jwt_app_secret`) in group_vars/all.")
    issuers = settings["jitsi_auth_jwt_accepted_issuers"]
    if not isinstance(issuers, list) or (issuers and not _list_of_text(issuers)):
        errors.append(f"jitsi_auth_jwt_accepted_issuers ({where}) must be a list of issuer names ('iss'); "
                      f"empty means [jitsi_auth_jwt_app_id], as upstream.")
    audiences = settings["jitsi_auth_jwt_accepted_audiences"]
    if not _list_of_text(audiences) or not audiences:
        errors.append(
            f"jitsi_auth_mode is jwt ({where}) but jitsi_auth_jwt_accepted_audiences is empty: list the audiences "
            f"('aud') tokens for this service carry, e.g. [jitsi]. Upstream's default, '*', accepts a token "
            f"minted for any service that shares the secret; write ['*'] if that is what you want.")
    return errors


def auth_errors(groups, hostvars, defaults):
    """Every problem of the authentication settings, naming the hosts and the variable, with the fix.

    Checked on the signal nodes (the hosts whose Prosody, Jicofo and web app read the settings);
    `defaults` holds the role defaults (they are not in hostvars).
    """
    defaults = {**DEFAULTS, **(defaults or {})}
    signals = sorted(groups.get("signal", []))
    errors = []
    modes = {}
    for host in signals:
        modes.setdefault(str(_value(hostvars, host, "jitsi_auth_mode", defaults)), []).append(host)
    for mode, hosts in sorted(modes.items()):
        if mode not in MODES:
            errors.append(f"jitsi_auth_mode is {mode!r} (hosts {_hosts(hosts)}): set it to open, secure_domain "
                          f"or jwt.")
    if len(modes) > 1:
        listed = "; ".join(f"{mode} on {_hosts(hosts)}" for mode, hosts in sorted(modes.items()))
        errors.append(f"jitsi_auth_mode differs between signal nodes ({listed}): HAProxy sends a room to any "
                      f"shard, so every shard must authenticate the same way; set it once in group_vars/all.")
    # Settings are checked once per distinct set of values (they normally come from group_vars/all).
    distinct = {}
    for host in signals:
        settings = {name: _value(hostvars, host, name, defaults) for name in SNAPSHOT_KEYS}
        distinct.setdefault(repr(sorted((k, repr(v)) for k, v in settings.items())), (settings, []))[1].append(host)
    for settings, hosts in distinct.values():
        where = f"hosts {_hosts(hosts)}"
        mode = settings["jitsi_auth_mode"]
        if settings["jitsi_prosody_authentication"] not in GUEST_AUTHENTICATIONS:
            hint = (" Accounts that open rooms, with guests joining them, are jitsi_auth_mode: secure_domain."
                    if settings["jitsi_prosody_authentication"] == "internal_hashed" else "")
            errors.append(f"jitsi_prosody_authentication is {settings['jitsi_prosody_authentication']!r} ({where}): "
                          f"it is how guests log in, jitsi-anonymous or anonymous.{hint}")
        if mode == "jwt":
            errors += _jwt_errors(settings, where)
        if mode == "secure_domain":
            users = settings["jitsi_auth_users"]
            errors += _user_errors(users, where)
            if users == [] and settings["jitsi_auth_remove_unlisted"] is not False:
                errors.append(
                    f"jitsi_auth_mode is secure_domain ({where}) but jitsi_auth_users is empty: nobody could open "
                    f"a room. List the accounts (name, vaulted password), or set jitsi_auth_remove_unlisted: false "
                    f"if you manage accounts yourself with prosodyctl.")
        if not isinstance(settings["jitsi_auth_remove_unlisted"], bool):
            errors.append(f"jitsi_auth_remove_unlisted ({where}) must be true or false.")
    return errors


def user_password(seed, name):
    """The password of an account listed without one: derived from the seed, as every other secret."""
    message = f"jitsi-shards/auth-user/{name}"
    return hmac.new(str(seed).encode(), message.encode(), hashlib.sha256).hexdigest()


def auth_accounts(users, mode, domain, seed):
    """The accounts on the main host Prosody must hold ([] unless secure_domain), as the account
    tasks take them: {user, host, password}."""
    if mode != "secure_domain":
        return []
    return [{"user": u["name"], "host": domain,
             "password": u["password"] if u.get("password") else user_password(seed, u["name"])}
            for u in users]


def stale_accounts(markers, accounts, domain):
    """Accounts on the main host this toolkit registered (one marker file `user@host` each) that are
    no longer wanted: their user names, sorted."""
    wanted = {a["user"] for a in accounts if a["host"] == domain}
    suffix = "@" + domain
    return sorted(m[: -len(suffix)] for m in markers if m.endswith(suffix) and m[: -len(suffix)] not in wanted)


def prosody_auth(mode, domain, guest_authentication, jwt=None):
    """What the Prosody host file needs for the mode.

    main_authentication / main_options: the main VirtualHost's provider and its options;
    guest: the guest VirtualHost (secure_domain) or None; conference_modules: added to the
    conference MUC; login_domain: where a guest logs in (None: no guest login in this mode).
    """
    if mode not in MODES:
        raise AnsibleFilterError(f"jitsi_auth_mode is {mode!r}; set it to open, secure_domain or jwt.")
    if mode == "open":
        return {"main_authentication": guest_authentication, "main_options": {}, "guest": None,
                "conference_modules": [], "login_domain": domain}
    if mode == "secure_domain":
        guest = f"guest.{domain}"
        return {
            "main_authentication": "internal_hashed",
            # docker-jitsi-meet (PROSODY_AUTH_TYPE internal) @2e6b31d8: passwords only as SCRAM/PLAIN.
            "main_options": {"disable_sasl_mechanisms": ["DIGEST-MD5", "OAUTHBEARER"]},
            "guest": {"host": guest, "authentication": guest_authentication},
            "conference_modules": [],
            "login_domain": guest,
        }
    jwt = jwt or {}
    issuers = list(jwt.get("accepted_issuers") or []) or [jwt.get("app_id", "")]
    return {
        "main_authentication": "token",
        "main_options": {
            "app_id": jwt.get("app_id", ""),
            "app_secret": jwt.get("app_secret", ""),
            "asap_accepted_issuers": issuers,
            "asap_accepted_audiences": list(jwt.get("accepted_audiences") or []),
            "allow_empty_token": False,
        },
        "guest": None,
        # Checks on MUC join that the room is the token's `room` (docker: JWT_TOKEN_AUTH_MODULE).
        "conference_modules": ["token_verification"],
        "login_domain": None,
    }


def jicofo_authentication(mode, domain):
    """jicofo.conf's authentication block ({} = none: Jicofo's reference.conf has it disabled)."""
    types = {"secure_domain": "XMPP", "jwt": "JWT"}
    if mode not in types:
        return {}
    return {"enabled": True, "type": types[mode], "login-url": domain}


def web_hosts(mode, domain):
    """config.js `hosts` entries the mode adds (docker web settings-config.js @2e6b31d8)."""
    return {"anonymousdomain": f"guest.{domain}"} if mode == "secure_domain" else {}


class FilterModule:
    def filters(self):
        return {
            "jitsi_auth_accounts": auth_accounts,
            "jitsi_auth_user_password": user_password,
            "jitsi_auth_stale_accounts": stale_accounts,
            "jitsi_prosody_auth": prosody_auth,
            "jitsi_jicofo_authentication": jicofo_authentication,
            "jitsi_web_auth_hosts": web_hosts,
        }
