"""The stand-ins read jvb.conf, jicofo.conf and the environment files in their real formats."""

import pytest

from jitsi_standin import config, envfile, hocon

JVB_CONF = """
# written by the role
videobridge {
  http-servers {
    private {
      host = "127.0.0.1"
      port = 8080
    }
  }
  apis {
    xmpp-client {
      configs {
        "shard_a" {
          hostname = "shard-a-signal"
          port = 5222
          domain = "auth.meet.test"
          username = "jvb-02"
          password = "s3cr=t#not-a-comment"
          muc_jids = "jvbbrewery@internal.auth.meet.test"
          muc_nickname = "jvb-02"
          disable_certificate_verification = true
        }
      }
    }
  }
  relay { enabled = true, region = "eu", relay-id = "a-jvb-02" }
  octo { enabled = false
         region = "eu" }
}
"""

JICOFO_CONF = """
jicofo {
  xmpp: {
    client: { hostname: "127.0.0.1", domain: "auth.meet.test", xmpp-domain: "meet.test",
              username: focus, password: "pw" }
  }
  bridge.brewery-jid = "jvbbrewery@internal.auth.meet.test"
  bridge.selection-strategy = RegionBasedBridgeSelectionStrategy
  local-region = eu
  rest { port = 8888 }
}
"""

COMPONENT_ENV = """
# Jitsi Videobridge settings
JVB_HOSTNAME=meet.test
JVB_HOST=shard-b-signal
JVB_PORT=5347
JVB_SECRET=abc123
JVB_OPTS="--apis=rest,xmpp --subdomain=jvb-01"
JAVA_SYS_PROPS="-Dconfig.file=/etc/jitsi/videobridge/jvb.conf -Dx=y"
"""


def test_hocon_nested_objects_dotted_keys_and_types():
    tree = hocon.loads('a { b = 1, c: "two" }\na.d = true\ne = [1, "x", {f = null}]\ng = 1.5 // comment')
    assert tree == {"a": {"b": 1, "c": "two", "d": True}, "e": [1, "x", {"f": None}], "g": 1.5}


def test_hocon_duplicate_objects_merge_and_later_values_win():
    tree = hocon.loads("a { b = 1, c = 2 }\na { c = 3 }")
    assert tree == {"a": {"b": 1, "c": 3}}


def test_hocon_root_braces_and_unquoted_strings():
    assert hocon.loads("{ x = some value here }") == {"x": "some value here"}


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


def test_envfile_quotes_comments_and_java_properties():
    env = envfile.loads(COMPONENT_ENV)
    assert env["JVB_OPTS"] == "--apis=rest,xmpp --subdomain=jvb-01"
    assert envfile.java_property(env, "config.file") == "/etc/jitsi/videobridge/jvb.conf"
    assert envfile.jvb_options(env["JVB_OPTS"]) == {"apis": ["rest", "xmpp"], "subdomain": "jvb-01"}


def test_envfile_rejects_garbage():
    with pytest.raises(envfile.EnvFileError, match="line 2"):
        envfile.loads("A=1\nthis is not an assignment\n")


def test_bridge_muc_mode_reads_every_setting():
    cfg = config.bridge_config(hocon.loads(JVB_CONF), envfile.loads('JVB_OPTS="--apis=rest"'))
    assert cfg.component is None
    (login,) = cfg.logins
    assert (login.name, login.hostname, login.port, login.jid) == ("shard_a", "shard-a-signal", 5222, "jvb-02@auth.meet.test")
    assert login.password == "s3cr=t#not-a-comment"
    assert login.muc_jids == ["jvbbrewery@internal.auth.meet.test"] and login.muc_nickname == "jvb-02"
    assert login.verify_certificate is False
    assert (cfg.region, cfg.relay_id, cfg.shard, cfg.rest_host, cfg.rest_port) == ("eu", "a-jvb-02", "shard_a", "127.0.0.1", 8080)


def test_bridge_component_mode_reads_the_environment_file():
    cfg = config.bridge_config(hocon.loads("videobridge { octo { region = us } }"), envfile.loads(COMPONENT_ENV))
    assert cfg.logins == []
    assert (cfg.component.jid, cfg.component.host, cfg.component.port, cfg.component.secret) == (
        "jvb-01.meet.test", "shard-b-signal", 5347, "abc123")
    assert cfg.region == "us" and cfg.shard == "shard-b-signal"


def test_bridge_without_any_registration_fails_loudly():
    with pytest.raises(config.ConfigError, match="no way to register"):
        config.bridge_config(hocon.loads("videobridge {}"), envfile.loads('JVB_OPTS="--apis=rest"'))


@pytest.mark.parametrize("missing", ["password", "username", "muc_jids", "hostname", "domain", "muc_nickname"])
def test_bridge_login_missing_a_field_names_it(missing):
    text = JVB_CONF.replace(f"          {missing} =", f"          unused_{missing} =")
    with pytest.raises(config.ConfigError, match=f"configs.shard_a.{missing} is missing"):
        config.bridge_config(hocon.loads(text), {})


def test_bridge_component_without_secret_fails_loudly():
    env = envfile.loads(COMPONENT_ENV.replace("JVB_SECRET=abc123", "JVB_SECRET="))
    with pytest.raises(config.ConfigError, match="JVB_SECRET is empty"):
        config.bridge_config({}, env)


def test_jicofo_reads_login_brewery_strategy_region():
    cfg = config.jicofo_config(hocon.loads(JICOFO_CONF))
    assert cfg.login.jid == "focus@auth.meet.test" and cfg.login.password == "pw"
    assert cfg.login.verify_certificate is True
    assert cfg.xmpp_domain == "meet.test"
    assert cfg.brewery == "jvbbrewery@internal.auth.meet.test"
    assert cfg.selection_strategy == "RegionBasedBridgeSelectionStrategy"
    assert (cfg.region, cfg.rest_port) == ("eu", 8888)


def test_jicofo_without_password_fails_loudly():
    with pytest.raises(config.ConfigError, match="jicofo.xmpp.client.password is missing"):
        config.jicofo_config(hocon.loads(JICOFO_CONF.replace('password: "pw"', "")))


def test_load_env_and_tree_follows_config_file_property(tmp_path):
    conf = tmp_path / "jvb.conf"
    conf.write_text(JVB_CONF)
    env_file = tmp_path / "config"
    env_file.write_text(f'JAVA_SYS_PROPS="-Dconfig.file={conf}"\n')
    _env, tree, path = config.load_env_and_tree(str(env_file), "/nonexistent")
    assert path == str(conf) and hocon.get(tree, "videobridge.relay.region") == "eu"
    env_file.write_text(f'JAVA_SYS_PROPS="-Dconfig.file={tmp_path}/missing.conf"\n')
    with pytest.raises(config.ConfigError, match="missing.conf: missing"):
        config.load_env_and_tree(str(env_file), "/nonexistent")
