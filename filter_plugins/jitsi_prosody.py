"""The layout of a shard's Prosody: which modules and components each meeting feature needs.

It follows current upstream, docker-jitsi-meet prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua
@2e6b31d8 (2026-08), which is newer than jitsi-meet's Debian example
doc/debian/jitsi-meet-prosody/prosody.cfg.lua-jvb.example @09efaecc: components announce
themselves through `features_identity` on the main host (clients and Jicofo discover them there),
the speaker stats, A/V moderation, end-conference, polls and room-metadata work lives in
components bound to the conference MUC by `muc_component`, and the lobby and breakout rooms are
MUC components named by `lobby_muc` / `breakout_rooms_muc` on the main host.
"""

from ansible.errors import AnsibleFilterError

# Feature -> (modules on the main host, its component's subdomain, the component's module, the
# identity type the main host's disco#info announces for it, as the upstream module names it).
FEATURES = {
    "lobby": (["muc_lobby_rooms"], "lobby", "muc", "lobbyrooms"),
    "breakout_rooms": (["muc_breakout_rooms"], "breakout", "muc", "breakout_rooms"),
    "av_moderation": ([], "avmoderation", "av_moderation_component", "av_moderation"),
    "end_conference": ([], "endconference", "end_conference", "end_conference"),
    "speakerstats": ([], "speakerstats", "speakerstats_component", "speakerstats"),
    "polls": ([], "polls", "polls_component", "polls"),
    "room_metadata": ([], "metadata", "room_metadata_component", "room_metadata"),
}
# mod_polls_component finds the conference MUC from muc_mapper_domain_base (and its prefix),
# not from muc_component (docker declares it with no option).
FINDS_ITS_MUC = {"polls_component"}
# Options of the MUC components that hold people (conference, lobby, breakout), as docker has them:
# rooms live in memory, are never persistent and leave no tombstone.
ROOM_MUC_OPTIONS = {
    "storage": "memory",
    "restrict_room_creation": True,
    "muc_room_locking": False,
    "muc_room_default_public_jids": True,
    "muc_tombstones": False,
    "muc_room_allow_persistent": False,
    "muc_room_cache_size": 10000,
}


def _enabled(features):
    unknown = sorted(set(features) - set(FEATURES))
    if unknown:
        raise AnsibleFilterError(
            f"jitsi_prosody_features: unknown feature(s) {', '.join(unknown)}; known: {', '.join(FEATURES)}.")
    not_bool = sorted(name for name, on in features.items() if not isinstance(on, bool))
    if not_bool:
        raise AnsibleFilterError(f"jitsi_prosody_features: {', '.join(not_bool)} must be true or false.")
    return [name for name in FEATURES if features.get(name, True)]


def _feature_component(name, domain, conference, focus, enabled):
    _modules, sub, module, _identity = FEATURES[name]
    host = f"{sub}.{domain}"
    if module == "muc":
        modules = ["muc_hide_all"] + (["muc_meeting_id"] if name == "breakout_rooms" else [])
        options = dict(ROOM_MUC_OPTIONS)
        if name == "breakout_rooms":
            options["admins"] = [focus]  # Jicofo runs breakout conferences as it runs main ones
        return {"host": host, "module": "muc", "modules": modules, "options": options}
    options = {} if module in FINDS_ITS_MUC else {"muc_component": conference}
    if name == "room_metadata" and "breakout_rooms" in enabled:
        options["breakout_rooms_component"] = f"breakout.{domain}"
    return {"host": host, "module": module, "modules": [], "options": options}


def prosody_layout(features, domain, main_modules, conference_modules, pool_jids):
    """Modules, host options and components of a shard's Prosody for the enabled features.

    `features` maps a FEATURES name to a boolean (missing = on, as upstream ships it);
    `main_modules`/`conference_modules` are the operator's base lists; `pool_jids` the bridge
    slots' accounts (admins of the brewery, as upstream makes the jvb account, since only
    admins may create rooms there).
    """
    enabled = _enabled(features)
    conference = f"conference.{domain}"
    auth = f"auth.{domain}"
    focus = f"focus@{auth}"
    main_options = {"main_muc": conference}
    if "lobby" in enabled:
        main_options["lobby_muc"] = f"lobby.{domain}"
    if "breakout_rooms" in enabled:
        main_options["breakout_rooms_muc"] = f"breakout.{domain}"
    feature_modules = [m for name in enabled for m in FEATURES[name][0]]
    conference_muc = {
        "host": conference, "module": "muc",
        "modules": _unique(["muc_hide_all"] + list(conference_modules)),
        "options": dict(ROOM_MUC_OPTIONS, admins=[focus]),
    }
    # The brewery: hidden, only focus and the bridges may create it, and only JIDs of the auth
    # domain may enter (docker: muc_hide_all, muc_filter_access, muc_filter_whitelist).
    brewery = {
        "host": f"internal.{auth}", "module": "muc",
        "modules": ["ping", "muc_hide_all", "muc_filter_access"],
        "options": {
            "storage": "memory",
            "restrict_room_creation": True,
            "muc_filter_whitelist": auth,
            "admins": [focus] + list(pool_jids),
            "muc_room_locking": False,
            "muc_room_default_public_jids": True,
            "muc_tombstones": False,
            "muc_room_allow_persistent": False,
        },
    }
    return {
        "unlimited_jids": [focus] + list(pool_jids),
        "main_modules": _unique(list(main_modules) + ["features_identity"] + feature_modules),
        "main_options": main_options,
        "components": [conference_muc, brewery]
        + [_feature_component(name, domain, conference, focus, enabled) for name in enabled],
        # What a client finds: identity type -> component host.
        "identities": {FEATURES[name][3]: f"{FEATURES[name][1]}.{domain}" for name in enabled},
    }


def _unique(items):
    return list(dict.fromkeys(items))


def lua_value(value):
    """A Python value as a Lua literal for Prosody's configuration."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "{ " + " ".join(f"{lua_value(v)};" for v in value) + " }"
    if isinstance(value, dict):
        # Keys are Lua names (external_services entries: { type = "turn"; port = 3478; }).
        bad = [k for k in value if not (isinstance(k, str) and k.isidentifier())]
        if bad:
            raise AnsibleFilterError(f"cannot write the key(s) {bad!r} into a Prosody table: keys must be Lua names.")
        return "{ " + " ".join(f"{k} = {lua_value(v)};" for k, v in value.items()) + " }"
    raise AnsibleFilterError(f"cannot write {value!r} ({type(value).__name__}) into Prosody's configuration.")


def store_path(user, host, store, data_path="/var/lib/prosody"):
    """The file of Prosody's `internal` storage holding one user's store (roster, accounts, ...).

    Prosody's datamanager escapes every character but letters and digits as %xx in the host and
    user parts (util/datamanager.lua encode), so auth.meet.example.org is auth%2emeet%2eexample%2eorg.
    """
    def encode(part):
        return "".join(c if c.isascii() and c.isalnum() else f"%{ord(c):02x}" for c in part.lower())

    return f"{data_path}/{encode(host)}/{store}/{encode(user)}.dat"


class FilterModule:
    def filters(self):
        return {"jitsi_prosody_layout": prosody_layout, "jitsi_lua": lua_value,
                "jitsi_prosody_store_path": store_path}
