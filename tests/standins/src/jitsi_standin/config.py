"""What the stand-in daemons take from jvb.conf and jicofo.conf, resolved the way upstream resolves it.

The JVM services get their HOCON file from `-Dconfig.file=` in JAVA_SYS_PROPS (jvb.sh / jicofo.sh put
$JAVA_SYS_PROPS on the java command line); the stand-ins read the same variable from their environment.
Defaults are the ones of upstream's reference.conf files. jitsi-metaconfig reads a property from a list
of keys and stops at the first one that is present (`first()` below).
"""

import re
from dataclasses import dataclass, field

from . import hocon


class ConfigError(ValueError):
    """A setting the service cannot run without is missing or wrong."""


def java_property(java_sys_props, name):
    """The value of the last -D<name>=... among the JVM arguments (bash splits $JAVA_SYS_PROPS on blanks)."""
    value = None
    for word in (java_sys_props or "").split():
        if word.startswith(f"-D{name}="):
            value = word.split("=", 1)[1]
    return value


def load_tree(java_sys_props):
    """The parsed -Dconfig.file; without one only the defaults apply (Typesafe Config loads reference.conf)."""
    path = java_property(java_sys_props, "config.file")
    if path is None:
        return {}, None
    try:
        return hocon.load(path), path
    except FileNotFoundError as exc:
        # Typesafe Config refuses a config.file that does not exist (allowMissing=false).
        raise ConfigError(f"{path}: missing") from exc


_MISSING = object()


def first(tree, *paths, default=None):
    """jitsi-metaconfig: the value of the first of `paths` that is set, else the default."""
    for path in paths:
        value = hocon.get(tree, path, _MISSING)
        if value is not _MISSING:
            return value
    return default


_UNITS = {
    "ns": 1e-9, "nanosecond": 1e-9, "nanoseconds": 1e-9, "us": 1e-6, "microsecond": 1e-6, "microseconds": 1e-6,
    "ms": 1e-3, "millis": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3,
    "s": 1, "second": 1, "seconds": 1, "m": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400,
}


def duration(value, where):
    """A HOCON duration in seconds: `10 seconds`, `500ms`, `1 minute`; a bare number is milliseconds."""
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a duration, got {value!r}")
    if isinstance(value, (int, float)):
        return value / 1000
    match = re.fullmatch(r"\s*(-?[0-9.]+)\s*([a-z]*)\s*", str(value))
    if not match or (match.group(2) and match.group(2) not in _UNITS):
        raise ConfigError(f"{where}: {value!r} is not a duration")
    number = float(match.group(1))
    return number * _UNITS[match.group(2)] if match.group(2) else number / 1000


def boolean(value, where):
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "yes", "on"):
        return True
    if str(value).lower() in ("false", "no", "off"):
        return False
    raise ConfigError(f"{where}: {value!r} is not a boolean")


def _setting(tree, path, default, convert=None):
    value = hocon.get(tree, path, default)
    return convert(value, path) if convert else value


def _duration_or(tree, path, seconds):
    """A duration setting whose default is another (already resolved) setting."""
    value = hocon.get(tree, path)
    return seconds if value is None else duration(value, path)


@dataclass
class XmppLogin:
    name: str
    hostname: str
    port: int
    domain: str
    username: str
    password: str
    verify_certificate: bool
    muc_jids: list = field(default_factory=list)
    muc_nickname: str = ""

    @property
    def jid(self):
        return f"{self.username}@{self.domain}"


@dataclass
class HealthSettings:
    interval: float
    timeout: float
    max_check_duration: float


@dataclass
class StaticMapping:
    local_address: str
    public_address: str
    local_port: int = None
    public_port: int = None
    name: str = None


@dataclass
class HarvestConfig:
    allowed_interfaces: list = field(default_factory=list)
    blocked_interfaces: list = field(default_factory=list)
    allowed_addresses: list = field(default_factory=list)
    blocked_addresses: list = field(default_factory=list)
    use_ipv6: bool = True
    use_link_local: bool = True
    static_mappings: list = field(default_factory=list)
    stun_addresses: list = field(default_factory=list)


@dataclass
class BridgeConfig:
    rest_host: str = "127.0.0.1"
    rest_port: int = 8080
    apis: dict = field(default_factory=dict)  # RestApis -> enabled
    logins: list = field(default_factory=list)
    relay_enabled: bool = False
    region: str = None
    relay_id: str = None
    udp_port: int = 10000
    harvest: HarvestConfig = field(default_factory=HarvestConfig)
    health: HealthSettings = field(default_factory=lambda: HealthSettings(60, 90, 3))
    require_valid_address: bool = True
    require_stun: bool = False
    presence_interval: float = 5
    stats_whitelist: list = None  # None: the stats filter is off
    initial_drain: bool = False
    graceful_shutdown_min_participants: int = 0
    graceful_shutdown_max_duration: float = 86400
    shutting_down_delay: float = 60
    load_measurement: str = "cpu-usage"
    load_threshold: float = 0.9
    sctp_enabled: bool = True
    websockets_enabled: bool = False


def rest_apis(tree):
    """Which REST APIs the bridge serves (jvb rest/RestConfig.kt and reference.conf @a29d97d1).

    COLIBRI (/colibri/stats) is videobridge.apis.rest.enabled, off by default; SHUTDOWN needs COLIBRI too.
    """
    colibri = _setting(tree, "videobridge.apis.rest.enabled", False, boolean)
    return {
        "COLIBRI": colibri,
        "DRAIN": _setting(tree, "videobridge.rest.drain.enabled", True, boolean),
        "HEALTH": _setting(tree, "videobridge.rest.health.enabled", True, boolean),
        "SHUTDOWN": colibri and _setting(tree, "videobridge.rest.shutdown.enabled", False, boolean),
        "VERSION": _setting(tree, "videobridge.rest.version.enabled", True, boolean),
    }


def relay(tree):
    """(enabled, region, relay_id) as jvb relay/RelayConfig.kt @a29d97d1 reads them.

    The legacy octo keys come first, so `octo { enabled = false }` switches relays off whatever
    relay.enabled says. relay_id is None when relays are on but no key names one: upstream only fails
    when the value is read (see BridgeState.stats).
    """
    enabled = boolean(first(tree, "videobridge.octo.enabled", "videobridge.relay.enabled", default=False),
                      "videobridge.relay.enabled")
    region = first(tree, "videobridge.octo.region", "videobridge.relay.region")
    relay_id = first(tree, "videobridge.octo.relay-id", "videobridge.relay.relay-id", "videobridge.octo.bind-address")
    return enabled, None if region is None else str(region), None if relay_id is None else str(relay_id)


def _java_string(value):
    """Typesafe ConfigValue.unwrapped().toString(), which jvb uses for every xmpp-client property."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_java_string(v) for v in value) + "]"
    return str(value)


def xmpp_logins(tree, source, log=None):
    """The complete xmpp-client configs (jvb xmpp/config/XmppClientConnectionConfig.kt @a29d97d1).

    Keys are case-insensitive (jicoco MucClientConfiguration upper-cases them); a config without
    hostname, username, password, muc_jids or muc_nickname is dropped without a word upstream
    (the stand-in logs it); domain defaults to hostname (jicoco MucClient).
    """
    configs = hocon.get(tree, "videobridge.apis.xmpp-client.configs", {}) or {}
    if not isinstance(configs, dict):
        raise ConfigError(f"{source}: videobridge.apis.xmpp-client.configs must be an object")
    logins = []
    for name, settings in configs.items():
        if not isinstance(settings, dict):
            raise ConfigError(f"{source}: Invalid muc client configuration {name!r}: expected an object")
        props = {key.upper(): _java_string(value) for key, value in settings.items()}
        missing = [k for k in ("HOSTNAME", "USERNAME", "PASSWORD", "MUC_JIDS", "MUC_NICKNAME") if k not in props]
        if missing:
            if log:
                log.warning("xmpp-client config %s is incomplete (no %s) and is ignored, as upstream does",
                            name, ", ".join(k.lower() for k in missing))
            continue
        try:
            port = int(props.get("PORT", "5222"))
        except ValueError as exc:
            raise ConfigError(f"{source}: xmpp-client config {name}: port {props['PORT']!r} is not a number") from exc
        logins.append(XmppLogin(
            name=name,
            hostname=props["HOSTNAME"],
            port=port,
            domain=props.get("DOMAIN", props["HOSTNAME"]),
            username=props["USERNAME"],
            password=props["PASSWORD"],
            verify_certificate=props.get("DISABLE_CERTIFICATE_VERIFICATION", "false").lower() != "true",
            muc_jids=props["MUC_JIDS"].split(","),
            muc_nickname=props["MUC_NICKNAME"],
        ))
    return logins


def _string_list(tree, path):
    value = hocon.get(tree, path, [])
    if not isinstance(value, list):
        raise ConfigError(f"{path}: expected a list")
    return [str(v) for v in value]


def harvest(tree):
    """ice4j's harvest settings (ice4j harvest/HarvestConfig.kt and reference.conf @6da2b08b)."""
    mappings = []
    raw = hocon.get(tree, "ice4j.harvest.mapping.static-mappings", [])
    if not isinstance(raw, list):
        raise ConfigError("ice4j.harvest.mapping.static-mappings: expected a list")
    for number, entry in enumerate(raw):
        where = f"ice4j.harvest.mapping.static-mappings[{number}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected an object")
        # Config.getString: both addresses are required; the ports come in pairs.
        for key in ("local-address", "public-address"):
            if key not in entry:
                raise ConfigError(f"{where}: No configuration setting found for key '{key}'")
        if ("local-port" in entry) != ("public-port" in entry):
            raise ConfigError(f"{where}: Inconsistent value for local-port and public-port, "
                              "both must be present or both missing.")
        mappings.append(StaticMapping(
            local_address=str(entry["local-address"]), public_address=str(entry["public-address"]),
            local_port=int(entry["local-port"]) if "local-port" in entry else None,
            public_port=int(entry["public-port"]) if "public-port" in entry else None,
            name=str(entry["name"]) if "name" in entry else None,
        ))
    return HarvestConfig(
        allowed_interfaces=_string_list(tree, "ice4j.harvest.allowed-interfaces"),
        blocked_interfaces=_string_list(tree, "ice4j.harvest.blocked-interfaces"),
        allowed_addresses=_string_list(tree, "ice4j.harvest.allowed-addresses"),
        blocked_addresses=_string_list(tree, "ice4j.harvest.blocked-addresses"),
        use_ipv6=_setting(tree, "ice4j.harvest.use-ipv6", True, boolean),
        use_link_local=_setting(tree, "ice4j.harvest.use-link-local-addresses", True, boolean),
        static_mappings=mappings,
        stun_addresses=_string_list(tree, "ice4j.harvest.mapping.stun.addresses"),
    )


def bridge_config(tree, source="jvb.conf", log=None):
    """The bridge's settings from a parsed jvb.conf (defaults: jvb reference.conf @a29d97d1)."""
    enabled, region, relay_id = relay(tree)
    stats_interval = _setting(tree, "videobridge.stats.interval", "5 seconds", duration)
    whitelist = None
    if _setting(tree, "videobridge.apis.xmpp-client.stats-filter.enabled", False, boolean):
        whitelist = _string_list(tree, "videobridge.apis.xmpp-client.stats-filter.whitelist") or [
            "average_participant_stress", "colibri2", "current_timestamp", "drain", "graceful_shutdown",
            "healthy", "region", "relay_id", "release", "shutting_down", "stress_level", "version"]
    return BridgeConfig(
        # jicoco JettyBundleActivatorConfig: port 8080 unless set; host from reference.conf.
        rest_host=str(hocon.get(tree, "videobridge.http-servers.private.host", "127.0.0.1")),
        rest_port=int(hocon.get(tree, "videobridge.http-servers.private.port", 8080)),
        apis=rest_apis(tree),
        logins=xmpp_logins(tree, source, log),
        relay_enabled=enabled,
        region=region,
        relay_id=relay_id,
        udp_port=int(hocon.get(tree, "videobridge.ice.udp.port", 10000)),
        harvest=harvest(tree),
        health=HealthSettings(
            interval=_setting(tree, "videobridge.health.interval", "1 minute", duration),
            timeout=_setting(tree, "videobridge.health.timeout", "90 seconds", duration),
            max_check_duration=_setting(tree, "videobridge.health.max-check-duration", "3 seconds", duration),
        ),
        require_valid_address=_setting(tree, "videobridge.health.require-valid-address", True, boolean),
        require_stun=_setting(tree, "videobridge.health.require-stun", False, boolean),
        # reference.conf: presence-interval = ${videobridge.stats.interval}
        presence_interval=_duration_or(tree, "videobridge.apis.xmpp-client.presence-interval", stats_interval),
        stats_whitelist=whitelist,
        initial_drain=_setting(tree, "videobridge.initial-drain-mode", False, boolean),
        graceful_shutdown_min_participants=int(
            hocon.get(tree, "videobridge.shutdown.graceful-shutdown-min-participants", 0)),
        graceful_shutdown_max_duration=_setting(
            tree, "videobridge.shutdown.graceful-shutdown-max-duration", "24 hours", duration),
        shutting_down_delay=_setting(tree, "videobridge.shutdown.shutting-down-delay", "1 minutes", duration),
        # jvb reference.conf @a29d97d1: a colibri2 relay needs SCTP (on by default) or colibri web sockets
        # (off by default), Colibri2ConferenceHandler.handleConferenceModifyIQ.
        sctp_enabled=_setting(tree, "videobridge.sctp.enabled", True, boolean),
        websockets_enabled=_setting(tree, "videobridge.websockets.enabled", False, boolean),
        **load_management(tree),
    )


def load_management(tree):
    """The measurement stress is computed from and its threshold (jvb load_management/JvbLoadManager.kt,
    PacketRateMeasurement.kt, CpuMeasurement.kt and reference.conf @a29d97d1)."""
    base = "videobridge.load-management.load-measurements"
    kind = str(hocon.get(tree, f"{base}.load-measurement", "cpu-usage"))
    default = {"packet-rate": 50000, "cpu-usage": 0.9}.get(kind, 1)
    try:
        threshold = float(hocon.get(tree, f"{base}.{kind}.load-threshold", default))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{base}.{kind}.load-threshold: not a number") from exc
    return {"load_measurement": kind, "load_threshold": threshold}


@dataclass
class AuthSettings:
    """jicofo.authentication (auth/AuthConfig.kt), when enabled with a type other than NONE."""
    type: str
    login_url: str
    enable_auto_login: bool = True
    lifetime: float = 86400


@dataclass
class JicofoConfig:
    login: XmppLogin
    xmpp_domain: str
    conference_muc: str
    client_proxy: str = None
    brewery: str = None
    selection_strategy: str = "SingleBridgeSelectionStrategy"
    region: str = None
    octo_enabled: bool = False
    allow_mixed_versions: bool = False
    region_groups: dict = field(default_factory=dict)  # region -> frozenset of its group
    stress_threshold: float = 0.8
    max_bridge_participants: int = 80
    max_bridge_participants_per_interval: int = -1
    max_bridge_participants_interval: float = 60
    average_participant_stress: float = 0.01
    participant_rampup_interval: float = 20
    rest_enabled: bool = True
    rest_host: str = "127.0.0.1"
    rest_port: int = 8888
    debug_enabled: bool = True
    reply_timeout: float = 15
    health_enabled: bool = False
    health: HealthSettings = field(default_factory=lambda: HealthSettings(10, 30, 20))
    health_room_prefix: str = "__jicofo-health-check"
    bridge_checks_enabled: bool = True
    bridge_check_interval: float = 10
    bridge_check_retry_delay: float = 5
    bridge_checks_use_presence: bool = False
    bridge_presence_timeout: float = 45
    failure_reset_threshold: float = 60
    authentication: AuthSettings = None


def auth_settings(tree, source="jicofo.conf"):
    """AuthConfig.kt: enabled=false is type NONE (None here); type is XMPP, JWT or NONE; login-url has
    no default, and JicofoServices parses it as a domain (a missing one stops Jicofo at start)."""
    if not _setting(tree, "jicofo.authentication.enabled", False, boolean):
        return None
    kind = str(hocon.get(tree, "jicofo.authentication.type", "NONE"))
    if kind not in ("XMPP", "JWT", "NONE"):
        raise ConfigError(f"{source}: jicofo.authentication.type is {kind!r}, not XMPP, JWT or NONE")
    if kind == "NONE":
        return None
    login_url = hocon.get(tree, "jicofo.authentication.login-url")
    if not login_url:
        raise ConfigError(f"{source}: jicofo.authentication.login-url is missing")
    return AuthSettings(
        type=kind, login_url=str(login_url),
        enable_auto_login=_setting(tree, "jicofo.authentication.enable-auto-login", True, boolean),
        lifetime=_setting(tree, "jicofo.authentication.authentication-lifetime", "24 hours", duration),
    )


def jicofo_config(tree, source="jicofo.conf"):
    """Jicofo's settings from a parsed jicofo.conf.

    Defaults: jicofo, jicofo-common and jicofo-selector reference.conf @7ebb13dc. domain and xmpp-domain
    have no default (XmppConfig.kt: `by config`), so a file without them stops Jicofo at start.
    """
    client = "jicofo.xmpp.client"

    def required(path):
        value = hocon.get(tree, path)
        if value is None or value == "":
            raise ConfigError(f"{source}: {path} is missing")
        return str(value)

    xmpp_domain = required(f"{client}.xmpp-domain")
    # Upstream logs in anonymously without a password; the stand-in has no anonymous login and
    # refuses to start instead (every configuration the toolkit writes has one).
    login = XmppLogin(
        name="client",
        hostname=str(hocon.get(tree, f"{client}.hostname", "localhost")),
        port=int(hocon.get(tree, f"{client}.port", 5222)),
        domain=required(f"{client}.domain"),
        username=str(hocon.get(tree, f"{client}.username", "focus")),
        password=required(f"{client}.password"),
        verify_certificate=not _setting(tree, f"{client}.disable-certificate-verification", False, boolean),
    )
    interval = _setting(tree, "jicofo.bridge.health-checks.interval", "10 seconds", duration)
    rest_port = int(hocon.get(tree, "jicofo.rest.port", 8888))
    brewery = hocon.get(tree, "jicofo.bridge.brewery-jid")
    region = hocon.get(tree, "jicofo.local-region")
    return JicofoConfig(
        login=login,
        xmpp_domain=xmpp_domain,
        # XmppConfig.kt conferenceMucJid: default conference.<xmpp-domain>
        conference_muc=str(hocon.get(tree, f"{client}.conference-muc-jid", f"conference.{xmpp_domain}")),
        # XmppConfig.kt clientProxy: IQs NAT-ed by mod_client_proxy come from it (no default).
        client_proxy=hocon.get(tree, f"{client}.client-proxy") or None,
        brewery=None if brewery in (None, "") else str(brewery),
        selection_strategy=str(hocon.get(tree, "jicofo.bridge.selection-strategy", "SingleBridgeSelectionStrategy")),
        region=None if region is None else str(region),
        octo_enabled=_setting(tree, "jicofo.octo.enabled", False, boolean),
        # jicofo-common reference.conf: jicofo.octo.allow-mixed-versions = false (OctoConfig.allowMixedVersions).
        allow_mixed_versions=_setting(tree, "jicofo.octo.allow-mixed-versions", False, boolean),
        region_groups=region_groups(tree, source),
        **_selector_limits(tree),
        # ktor/RestConfig.kt: the REST server runs when enabled and port > 0.
        rest_enabled=_setting(tree, "jicofo.rest.enabled", True, boolean) and rest_port > 0,
        rest_host=str(hocon.get(tree, "jicofo.rest.host", "127.0.0.1")),
        rest_port=rest_port,
        debug_enabled=_setting(tree, "jicofo.rest.debug.enabled", True, boolean),
        reply_timeout=_setting(tree, f"{client}.reply-timeout", "15 seconds", duration),
        health_enabled=_setting(tree, "jicofo.health.enabled", False, boolean),
        health=HealthSettings(
            interval=_setting(tree, "jicofo.health.interval", "10 seconds", duration),
            timeout=_setting(tree, "jicofo.health.timeout", "30 seconds", duration),
            max_check_duration=_setting(tree, "jicofo.health.max-check-duration", "20 seconds", duration),
        ),
        health_room_prefix=str(hocon.get(tree, "jicofo.health.room-name-prefix", "__jicofo-health-check")),
        bridge_checks_enabled=_setting(tree, "jicofo.bridge.health-checks.enabled", True, boolean),
        bridge_check_interval=interval,
        # BridgeConfig.kt: retry-delay defaults to half the interval.
        bridge_check_retry_delay=_duration_or(tree, "jicofo.bridge.health-checks.retry-delay", interval / 2),
        bridge_checks_use_presence=_setting(tree, "jicofo.bridge.health-checks.use-presence", False, boolean),
        bridge_presence_timeout=_setting(tree, "jicofo.bridge.health-checks.presence-timeout", "45 seconds",
                                         duration),
        failure_reset_threshold=_setting(tree, "jicofo.bridge.failure-reset-threshold", "1 minute", duration),
        authentication=auth_settings(tree, source),
    )


def region_groups(tree, source="jicofo.conf"):
    """BridgeConfig.kt regionGroups @7ebb13dc: jicofo.bridge.region-groups is a list of lists of regions;
    each region maps to the set of its group (a region in two groups: the last one wins, as the Kotlin
    map's later put does). Anything that is not a list counts as empty, as the ConfigList casts do."""
    raw = hocon.get(tree, "jicofo.bridge.region-groups", [])
    groups = {}
    for group in raw if isinstance(raw, list) else []:
        members = frozenset(_java_string(r) for r in (group if isinstance(group, list) else []))
        for region in members:
            groups[region] = members
    return groups


def _selector_limits(tree):
    """jicofo-selector reference.conf @7ebb13dc (BridgeConfig.kt): the overload rules of the selection."""
    def number(path, default, kind=float):
        value = hocon.get(tree, path, default)
        try:
            return kind(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: {value!r} is not a number") from exc

    # MAX_PARTICIPANTS_PER_BRIDGE (legacy) is not read: the toolkit writes no legacy sip-communicator.properties.
    return {
        "stress_threshold": number("jicofo.bridge.stress-threshold", 0.8),
        "max_bridge_participants": number("jicofo.bridge.max-bridge-participants", 80, int),
        "max_bridge_participants_per_interval": number("jicofo.bridge.max-bridge-participants-per-interval", -1, int),
        "max_bridge_participants_interval": _setting(tree, "jicofo.bridge.max-bridge-participants-interval",
                                                     "1 minute", duration),
        "average_participant_stress": number("jicofo.bridge.average-participant-stress", 0.01),
        "participant_rampup_interval": _setting(tree, "jicofo.bridge.participant-rampup-interval", "20 seconds",
                                                duration),
    }
