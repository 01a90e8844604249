"""What the stand-in daemons take from the files the roles write, with loud errors.

Both daemons are started the way the packages start the real ones: the systemd unit loads the
environment file (/etc/jitsi/<service>/config) and the HOCON file is the one named by
-Dconfig.file in JAVA_SYS_PROPS.
"""

from dataclasses import dataclass, field

from . import envfile, hocon


class ConfigError(ValueError):
    """A setting the service cannot run without is missing or wrong."""


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
class Component:
    host: str
    port: int
    domain: str
    subdomain: str
    secret: str

    @property
    def jid(self):
        return f"{self.subdomain}.{self.domain}"


@dataclass
class BridgeConfig:
    rest_host: str
    rest_port: int
    region: str
    relay_id: str
    logins: list
    component: Component = None
    udp_port: int = 10000
    tcp_port: int = 0  # 0: the ICE TCP fallback is off (as in jvb's defaults)
    octo_address: str = ""  # empty: legacy Octo is off
    octo_port: int = 4096

    @property
    def shard(self):
        # Named like Jitsi's own infra: one xmpp-client config per shard, keyed by its name.
        if self.logins:
            return ",".join(login.name for login in self.logins)
        return self.component.host if self.component else ""


@dataclass
class JicofoConfig:
    login: XmppLogin
    xmpp_domain: str
    brewery: str
    selection_strategy: str
    region: str
    rest_host: str
    rest_port: int


def _require(tree, dotted, source):
    value = hocon.get(tree, dotted)
    if value is None or value == "":
        raise ConfigError(f"{source}: {dotted} is missing")
    return str(value)


def _muc_jids(value):
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def bridge_config(tree, env, source="jvb.conf"):
    """Build the bridge's settings from parsed jvb.conf and /etc/jitsi/videobridge/config."""
    logins = []
    configs = hocon.get(tree, "videobridge.apis.xmpp-client.configs", {}) or {}
    if not isinstance(configs, dict):
        raise ConfigError(f"{source}: videobridge.apis.xmpp-client.configs must be an object")
    for name, settings in sorted(configs.items()):
        where = f"{source}: videobridge.apis.xmpp-client.configs.{name}"
        if not isinstance(settings, dict):
            raise ConfigError(f"{where} must be an object")

        def setting(key, where=where, settings=settings):
            value = settings.get(key)
            if value is None or value == "":
                raise ConfigError(f"{where}.{key} is missing")
            return value

        logins.append(XmppLogin(
            name=name,
            hostname=str(setting("hostname")),
            port=int(settings.get("port", 5222)),
            domain=str(setting("domain")),
            username=str(setting("username")),
            password=str(setting("password")),
            verify_certificate=not settings.get("disable_certificate_verification", False),
            muc_jids=_muc_jids(setting("muc_jids")),
            muc_nickname=str(setting("muc_nickname")),
        ))
    component = None
    opts = envfile.jvb_options(env.get("JVB_OPTS"))
    if "xmpp" in opts["apis"]:
        envsource = "/etc/jitsi/videobridge/config"
        for key in ("JVB_HOSTNAME", "JVB_SECRET"):
            if not env.get(key):
                raise ConfigError(f"{envsource}: {key} is empty but JVB_OPTS enables the xmpp (component) API")
        if not opts["subdomain"]:
            raise ConfigError(f"{envsource}: JVB_OPTS enables the xmpp API without --subdomain")
        component = Component(
            host=env.get("JVB_HOST") or "localhost",
            port=int(env.get("JVB_PORT") or 5347),
            domain=env["JVB_HOSTNAME"],
            subdomain=opts["subdomain"],
            secret=env["JVB_SECRET"],
        )
    if not logins and component is None:
        raise ConfigError(
            f"{source}: no way to register: no videobridge.apis.xmpp-client.configs and no "
            "component (--apis=xmpp with JVB_SECRET) in /etc/jitsi/videobridge/config")
    region = hocon.get(tree, "videobridge.relay.region") or hocon.get(tree, "videobridge.octo.region") or ""
    return BridgeConfig(
        rest_host=str(hocon.get(tree, "videobridge.http-servers.private.host", "0.0.0.0")),
        rest_port=int(hocon.get(tree, "videobridge.http-servers.private.port", 8080)),
        region=str(region),
        relay_id=str(hocon.get(tree, "videobridge.relay.relay-id", "")),
        logins=logins,
        component=component,
        udp_port=int(hocon.get(tree, "videobridge.ice.udp.port", 10000)),
        tcp_port=int(hocon.get(tree, "videobridge.ice.tcp.port", 4443))
        if hocon.get(tree, "videobridge.ice.tcp.enabled", False) else 0,
        octo_address=str(hocon.get(tree, "videobridge.octo.bind-address", ""))
        if hocon.get(tree, "videobridge.octo.enabled", False) else "",
        octo_port=int(hocon.get(tree, "videobridge.octo.bind-port", 4096)),
    )


def jicofo_config(tree, source="jicofo.conf"):
    """Build Jicofo's settings from parsed jicofo.conf."""
    where = "jicofo.xmpp.client"
    domain = _require(tree, f"{where}.domain", source)
    login = XmppLogin(
        name="client",
        hostname=_require(tree, f"{where}.hostname", source),
        port=int(hocon.get(tree, f"{where}.port", 5222)),
        domain=domain,
        username=_require(tree, f"{where}.username", source),
        password=_require(tree, f"{where}.password", source),
        verify_certificate=not hocon.get(tree, f"{where}.disable-certificate-verification", False),
    )
    return JicofoConfig(
        login=login,
        xmpp_domain=str(hocon.get(tree, f"{where}.xmpp-domain") or domain),
        brewery=_require(tree, "jicofo.bridge.brewery-jid", source),
        selection_strategy=str(hocon.get(tree, "jicofo.bridge.selection-strategy", "SingleBridgeSelectionStrategy")),
        region=str(hocon.get(tree, "jicofo.local-region", "")),
        rest_host=str(hocon.get(tree, "jicofo.rest.host", "0.0.0.0")),
        rest_port=int(hocon.get(tree, "jicofo.rest.port", 8888)),
    )


def load_env_and_tree(env_path, default_conf):
    """Read the environment file, then the HOCON file it points at."""
    env = envfile.load(env_path)
    conf_path = envfile.java_property(env, "config.file", default_conf)
    try:
        tree = hocon.load(conf_path)
    except FileNotFoundError as exc:
        raise ConfigError(f"{conf_path}: missing") from exc
    return env, tree, conf_path
