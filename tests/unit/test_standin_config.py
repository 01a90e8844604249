"""The stand-ins read jvb.conf and jicofo.conf as upstream does: same keys, defaults and precedence."""

import pytest

from jitsi_standin import config, hocon

# The contract: what the roles write (the stand-ins must read exactly this).
JVB_CONF = """
videobridge {
  http-servers { private { host = "0.0.0.0"
      port = 8080 } }
  apis {
    xmpp-client { configs { "a" {
          hostname = "172.18.0.5"
          port = 5222
          domain = "auth.meet.lab.test"
          username = "jvb-01"
          password = "s3cr=t#not-a-comment"
          muc_jids = "jvbbrewery@internal.auth.meet.lab.test"
          muc_nickname = "jvb-01"
          disable_certificate_verification = true } } }
    rest { enabled = true }
  }
  rest { shutdown { enabled = true } }
  health { require-valid-address = true }
  ice { udp { port = 10000 } }
  relay { enabled = true
    region = "eu"
    relay-id = "a-jvb-01" }
}
ice4j { harvest { mapping {
      stun { addresses = [ "stun.example.org:3478" ] }
      static-mappings = [ { local-address = "172.18.0.5", public-address = "203.0.113.11", name = "public" } ]
} } }
"""

JICOFO_CONF = """
jicofo {
  xmpp {
    client { enabled = true
      hostname = "127.0.0.1"
      port = 5222
      domain = "auth.meet.lab.test"
      xmpp-domain = "meet.lab.test"
      username = "focus"
      password = "pw"
      client-proxy = "focus.meet.lab.test"
      disable-certificate-verification = true }
    trusted-domains = []
  }
  bridge { brewery-jid = "jvbbrewery@internal.auth.meet.lab.test"
    selection-strategy = RegionBasedBridgeSelectionStrategy }
  octo { enabled = true }
  health { enabled = true }
  local-region = "eu"
  rest { host = "0.0.0.0"
    port = 8888 }
}
"""


def _bridge(text):
    return config.bridge_config(hocon.loads(text))


# HOCON reader ------------------------------------------------------------------------------------

def test_hocon_nested_objects_dotted_keys_and_types():
    tree = hocon.loads('a { b = 1, c: "two" }\na.d = true\ne = [1, "x", {f = null}]\ng = 1.5 // comment')
    assert tree == {"a": {"b": 1, "c": "two", "d": True}, "e": [1, "x", {"f": None}], "g": 1.5}


def test_hocon_duplicate_objects_merge_and_later_values_win():
    assert hocon.loads("a { b = 1, c = 2 }\na { c = 3 }") == {"a": {"b": 1, "c": 3}}


def test_hocon_reads_what_ruby_hocon_writes():
    # `hocon set videobridge.apis.rest.enabled true` appends `rest: { enabled: true }` blocks.
    tree = hocon.loads("videobridge {\n  apis: {\n    rest: {\n      enabled: true\n    }\n  }\n}\n")
    assert hocon.get(tree, "videobridge.apis.rest.enabled") is True


@pytest.mark.parametrize("text, message", [
    ("a { b = 1", "line 1: unterminated object"),
    ("a = 1\n}", "line 2: unbalanced braces"),
    ('a = "open', "unterminated quoted string"),
    ("a = ${b}", "substitutions"),
    ("include \"other.conf\"", "include is not supported"),
    ("a b", "expected '=', ':' or '{'"),
])
def test_hocon_errors_name_the_line_and_problem(text, message):
    with pytest.raises(hocon.HoconError, match=message):
        hocon.loads(text, source="jvb.conf")


# Where the file comes from -----------------------------------------------------------------------

def test_config_file_comes_from_the_last_config_file_property(tmp_path):
    conf = tmp_path / "jvb.conf"
    conf.write_text(JVB_CONF)
    props = f"-Dconfig.file=/nowhere -Dnet.java.sip.communicator.SC_HOME_DIR_LOCATION=/etc/jitsi -Dconfig.file={conf}"
    tree, path = config.load_tree(props)
    assert path == str(conf) and hocon.get(tree, "videobridge.relay.region") == "eu"


def test_without_config_file_only_defaults_apply_and_a_missing_file_is_an_error(tmp_path):
    assert config.load_tree("-Dx=y") == ({}, None)
    assert config.load_tree(None) == ({}, None)
    with pytest.raises(config.ConfigError, match="missing.conf: missing"):
        config.load_tree(f"-Dconfig.file={tmp_path}/missing.conf")


@pytest.mark.parametrize("value, seconds", [
    ("10 seconds", 10), ("1 minute", 60), ("500ms", 0.5), ("90 seconds", 90), ("2m", 120), (1500, 1.5),
    ("24 hours", 86400),
])
def test_durations(value, seconds):
    assert config.duration(value, "x") == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["soon", "10 parsecs", True])
def test_bad_durations_are_errors(value):
    with pytest.raises(config.ConfigError, match="x"):
        config.duration(value, "x")


# jitsi-videobridge -------------------------------------------------------------------------------

def test_bridge_reads_the_contract():
    cfg = _bridge(JVB_CONF)
    (login,) = cfg.logins
    assert (login.name, login.hostname, login.port, login.jid) == ("a", "172.18.0.5", 5222, "jvb-01@auth.meet.lab.test")
    assert login.password == "s3cr=t#not-a-comment" and login.verify_certificate is False
    assert login.muc_jids == ["jvbbrewery@internal.auth.meet.lab.test"] and login.muc_nickname == "jvb-01"
    assert (cfg.rest_host, cfg.rest_port, cfg.udp_port) == ("0.0.0.0", 8080, 10000)
    assert (cfg.relay_enabled, cfg.region, cfg.relay_id) == (True, "eu", "a-jvb-01")
    assert cfg.apis == {"COLIBRI": True, "DRAIN": True, "HEALTH": True, "SHUTDOWN": True, "VERSION": True}
    assert cfg.harvest.stun_addresses == ["stun.example.org:3478"]
    assert cfg.harvest.static_mappings == [config.StaticMapping("172.18.0.5", "203.0.113.11", name="public")]
    assert cfg.require_valid_address is True


def test_bridge_defaults_are_reference_conf():
    cfg = _bridge("")
    assert (cfg.rest_host, cfg.rest_port, cfg.udp_port) == ("127.0.0.1", 8080, 10000)
    assert cfg.apis == {"COLIBRI": False, "DRAIN": True, "HEALTH": True, "SHUTDOWN": False, "VERSION": True}
    assert (cfg.relay_enabled, cfg.region, cfg.relay_id) == (False, None, None)
    assert (cfg.health.interval, cfg.health.timeout, cfg.health.max_check_duration) == (60, 90, 3)
    assert (cfg.require_valid_address, cfg.presence_interval, cfg.shutting_down_delay) == (True, 5, 60)
    assert cfg.logins == [] and cfg.stats_whitelist is None


@pytest.mark.parametrize("rest, expected", [
    ("", {"COLIBRI": False, "SHUTDOWN": False}),
    ("rest { shutdown { enabled = true } }", {"COLIBRI": False, "SHUTDOWN": False}),
    ("apis { rest { enabled = true } }", {"COLIBRI": True, "SHUTDOWN": False}),
    ("apis.rest.enabled = true, rest.shutdown.enabled = true", {"COLIBRI": True, "SHUTDOWN": True}),
    ("rest { drain.enabled = false, health.enabled = false, version.enabled = false }",
     {"DRAIN": False, "HEALTH": False, "VERSION": False}),
])
def test_rest_apis_gated_like_rest_config(rest, expected):
    apis = _bridge("videobridge { " + rest + " }").apis
    assert {key: apis[key] for key in expected} == expected


@pytest.mark.parametrize("text, expected", [
    ("relay { enabled = true, region = eu, relay-id = r1 }", (True, "eu", "r1")),
    # octo.enabled is read first: the role's old `octo { enabled = false }` switches relays off.
    ("relay { enabled = true, relay-id = r1 }, octo { enabled = false }", (False, None, "r1")),
    ("relay { enabled = false }, octo { enabled = true, bind-address = 10.0.0.5 }", (True, None, "10.0.0.5")),
    ("octo { region = us }, relay { region = eu }", (False, "us", None)),
    ("octo { relay-id = o1, bind-address = 10.0.0.5 }, relay { relay-id = r1 }", (False, None, "o1")),
    ("relay { relay-id = r1 }, octo { bind-address = 10.0.0.5 }", (False, None, "r1")),
    ("relay { enabled = true }", (True, None, None)),
])
def test_relay_resolved_like_relay_config(text, expected):
    cfg = _bridge("videobridge { " + text + " }")
    assert (cfg.relay_enabled, cfg.region, cfg.relay_id) == expected


def test_xmpp_client_keys_are_case_insensitive_and_domain_defaults_to_hostname():
    # The package's own default jvb.conf writes the keys in upper case.
    cfg = _bridge('videobridge.apis.xmpp-client.configs { shard { HOSTNAME=localhost, USERNAME=jvb, '
                  'PASSWORD="x", MUC_JIDS="jvbbrewery@internal.auth.meet.test", MUC_NICKNAME=abc } }')
    (login,) = cfg.logins
    assert (login.hostname, login.domain, login.port, login.verify_certificate) == ("localhost", "localhost", 5222, True)


@pytest.mark.parametrize("missing", ["password", "username", "muc_jids", "hostname", "muc_nickname"])
def test_incomplete_xmpp_client_config_is_dropped_not_fatal(missing):
    text = JVB_CONF.replace(f"          {missing} =", f"          unused_{missing} =")
    assert _bridge(text).logins == []


def test_muc_jids_is_a_comma_separated_string():
    cfg = _bridge('videobridge.apis.xmpp-client.configs.a { hostname = h, username = u, password = p, '
                  'muc_nickname = n, muc_jids = "b1@x,b2@x" }')
    assert cfg.logins[0].muc_jids == ["b1@x", "b2@x"]
    # A HOCON list is turned into Java's "[a, b]" text, which is no usable JID.
    cfg = _bridge('videobridge.apis.xmpp-client.configs.a { hostname = h, username = u, password = p, '
                  'muc_nickname = n, muc_jids = ["b1@x", "b2@x"] }')
    assert cfg.logins[0].muc_jids == ["[b1@x", " b2@x]"]


def test_xmpp_client_config_that_is_not_an_object_is_fatal():
    with pytest.raises(config.ConfigError, match="Invalid muc client configuration"):
        _bridge("videobridge.apis.xmpp-client.configs { a = 1 }")


@pytest.mark.parametrize("mapping, message", [
    ('{ public-address = "203.0.113.1" }', "local-address"),
    ('{ local-address = "10.0.0.1" }', "public-address"),
    ('{ local-address = "10.0.0.1", public-address = "203.0.113.1", local-port = 10000 }', "Inconsistent"),
])
def test_static_mapping_needs_both_addresses_and_paired_ports(mapping, message):
    with pytest.raises(config.ConfigError, match=message):
        _bridge("ice4j.harvest.mapping.static-mappings = [ " + mapping + " ]")


def test_harvest_interface_and_address_lists():
    cfg = _bridge('ice4j.harvest { blocked-interfaces = [ "wg0", "vx0" ], allowed-addresses = [ "10.0.0.1" ], '
                  'use-ipv6 = false }')
    assert cfg.harvest.blocked_interfaces == ["wg0", "vx0"] and cfg.harvest.allowed_addresses == ["10.0.0.1"]
    assert cfg.harvest.use_ipv6 is False and cfg.harvest.allowed_interfaces == []


def test_stats_filter_and_presence_interval():
    cfg = _bridge("videobridge { stats.interval = 2 seconds, apis.xmpp-client.stats-filter.enabled = true }")
    assert cfg.presence_interval == 2 and "relay_id" in cfg.stats_whitelist
    assert _bridge("videobridge.apis.xmpp-client.presence-interval = 1 second").presence_interval == 1


# jicofo ------------------------------------------------------------------------------------------

def test_jicofo_reads_the_contract():
    cfg = config.jicofo_config(hocon.loads(JICOFO_CONF))
    assert cfg.login.jid == "focus@auth.meet.lab.test" and cfg.login.password == "pw"
    assert (cfg.login.hostname, cfg.login.port, cfg.login.verify_certificate) == ("127.0.0.1", 5222, False)
    assert (cfg.xmpp_domain, cfg.conference_muc) == ("meet.lab.test", "conference.meet.lab.test")
    assert cfg.brewery == "jvbbrewery@internal.auth.meet.lab.test"
    assert cfg.selection_strategy == "RegionBasedBridgeSelectionStrategy" and cfg.region == "eu"
    assert (cfg.octo_enabled, cfg.health_enabled) == (True, True)
    assert (cfg.rest_enabled, cfg.rest_host, cfg.rest_port) == (True, "0.0.0.0", 8888)


def test_jicofo_defaults_are_reference_conf():
    cfg = config.jicofo_config(hocon.loads(
        'jicofo.xmpp.client { domain = "auth.x", xmpp-domain = "x", password = "p" }'))
    assert (cfg.login.hostname, cfg.login.port, cfg.login.username) == ("localhost", 5222, "focus")
    assert (cfg.octo_enabled, cfg.health_enabled, cfg.debug_enabled) == (False, False, True)
    assert (cfg.rest_host, cfg.rest_port, cfg.brewery, cfg.region) == ("127.0.0.1", 8888, None, None)
    assert (cfg.health.interval, cfg.health.timeout, cfg.health.max_check_duration) == (10, 30, 20)
    assert (cfg.bridge_checks_enabled, cfg.bridge_check_interval, cfg.bridge_check_retry_delay) == (True, 10, 5)
    assert (cfg.failure_reset_threshold, cfg.reply_timeout) == (60, 15)
    assert cfg.conference_muc == "conference.x"


def test_jicofo_rest_off_when_disabled_or_without_port():
    base = 'jicofo.xmpp.client { domain = "auth.x", xmpp-domain = "x", password = "p" }\n'
    assert not config.jicofo_config(hocon.loads(base + "jicofo.rest.enabled = false")).rest_enabled
    assert not config.jicofo_config(hocon.loads(base + "jicofo.rest.port = -1")).rest_enabled


@pytest.mark.parametrize("key", ["xmpp-domain", "domain", "password"])
def test_jicofo_without_a_required_client_setting_does_not_start(key):
    text = JICOFO_CONF.replace(f"      {key} =", f"      unused-{key} =")
    with pytest.raises(config.ConfigError, match=f"jicofo.xmpp.client.{key} is missing"):
        config.jicofo_config(hocon.loads(text))
