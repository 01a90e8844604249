"""The stand-ins' postinst scripts, run against a throwaway root.

Each script runs in its own mount namespace where /etc, /var, /run and /usr/share are temporary
directories, with the real `hocon` and `jq` and stubs for everything that would touch users,
services or debconf (the stubs record their arguments). Needs root, unshare(1), hocon (ruby-hocon)
and jq; skipped where those are missing.
"""

import os
import pathlib
import shutil
import subprocess

import pytest

from jitsi_standin import hocon

PACKAGES = pathlib.Path(__file__).resolve().parents[1] / "standins" / "packages"
DOMAIN = "meet.lab.test"

needs = [tool for tool in ("unshare", "mount", "hocon", "jq") if not shutil.which(tool)]
pytestmark = pytest.mark.skipif(os.geteuid() != 0 or bool(needs),
                                reason=f"needs root and {', '.join(needs) or 'unshare'}")

CONFMODULE = r"""
# Fake debconf: answers from $DEBCONF_ANSWERS ("question value" lines), db_set recorded.
# The real confmodule re-runs the script with the positional parameters it sees: they must be the
# script's own (sourcing it inside a function without "$@" breaks the real postinst).
[ "$1" = configure ] || { echo "confmodule sourced without the script's arguments" >&2; exit 1; }
db_get() { RET=$(sed -n "s|^$1 ||p" "$DEBCONF_ANSWERS" | head -n 1); }
db_set() { echo "db_set $*" >>"$CALLS"; }
db_input() { :; }
db_go() { :; }
db_stop() { :; }
db_purge() { :; }
"""

STUB = """#!/bin/sh
echo "$(basename "$0") $*" >>"$CALLS"
"""

# name -> extra shell after the call is recorded
STUBS = {
    "getent": "exit 0",
    "groups": 'echo "$1 : jitsi"',
    "groupadd": "", "useradd": "", "usermod": "", "chown": "", "deluser": "",
    "dpkg-statoverride": "exit 1",
    "systemctl": "", "deb-systemd-helper": "exit 0", "deb-systemd-invoke": "", "update-rc.d": "",
    "invoke-rc.d": "exit 0",
    "uuidgen": "echo 0f0e0d0c-0b0a-4908-8706-050403020100",
    "install": 'for last; do :; done; mkdir -p "$last"',
}

JVB_ENV = """VIDEOBRIDGE_MAX_MEMORY=3072m
JAVA_SYS_PROPS="-Dconfig.file=/etc/jitsi/videobridge/jvb.conf -Dnet.java.sip.communicator.SC_HOME_DIR_LOCATION=/etc/jitsi -Dnet.java.sip.communicator.SC_HOME_DIR_NAME=videobridge -Dnet.java.sip.communicator.SC_LOG_DIR_LOCATION=/var/log/jitsi -Djava.util.logging.config.file=/etc/jitsi/videobridge/logging.properties"
"""

JVB_CONF = """videobridge {
  http-servers {
    private {
      host = "0.0.0.0"
      port = 8080
    }
  }
  apis {
    xmpp-client {
      configs {
        "a" {
          hostname = "172.18.0.5"
          username = "jvb-01"
          password = "secret"
          muc_jids = "jvbbrewery@internal.auth.meet.lab.test"
          muc_nickname = "jvb-01"
        }
      }
    }
    rest {
      enabled = true
    }
  }
  rest {
    shutdown {
      enabled = true
    }
  }
}
"""

JICOFO_ENV = f"""JICOFO_HOSTNAME={DOMAIN}
JICOFO_AUTH_DOMAIN=auth.{DOMAIN}
JICOFO_AUTH_USER=focus
JICOFO_AUTH_PASSWORD=focus-secret
JICOFO_MAX_MEMORY=3072m
JAVA_SYS_PROPS="-Dconfig.file=/etc/jitsi/jicofo/jicofo.conf -Dnet.java.sip.communicator.SC_HOME_DIR_LOCATION=/etc/jitsi -Djava.util.logging.config.file=/etc/jitsi/jicofo/logging.properties"
"""

JICOFO_CONF = f"""jicofo {{
  xmpp {{
    client {{
      enabled = true
      hostname = "127.0.0.1"
      port = 5222
      domain = "auth.{DOMAIN}"
      xmpp-domain = "{DOMAIN}"
      username = "focus"
      password = "focus-secret"
      client-proxy = "focus.{DOMAIN}"
      disable-certificate-verification = true
    }}
    trusted-domains = []
  }}
  bridge {{
    brewery-jid = "jvbbrewery@internal.auth.{DOMAIN}"
  }}
  health {{
    enabled = true
  }}
}}
"""


class Root:
    """A throwaway root for one postinst run."""

    def __init__(self, base):
        self.base = base
        for sub in ("etc/jitsi/videobridge", "etc/jitsi/jicofo", "etc/init.d", "var/log", "run/systemd/system",
                    "usr_share/debconf", "bin", "keep"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        (base / "usr_share/debconf/confmodule").write_text(CONFMODULE)
        for name, body in STUBS.items():
            stub = base / "bin" / name
            stub.write_text(STUB + body + "\n")
            stub.chmod(0o755)
        self.answers = base / "answers"
        self.answers.write_text(f"jitsi-videobridge/jvb-hostname {DOMAIN}\njicofo/jicofo-authpassword debconf-pw\n")
        self.calls = base / "calls"
        self.calls.write_text("")

    def path(self, absolute):
        return self.base / absolute.lstrip("/")

    def write(self, absolute, text):
        self.path(absolute).write_text(text)

    def read(self, absolute):
        return self.path(absolute).read_text()

    def run(self, package, *args):
        b = self.base
        script = f"""set -e
mount --bind /usr/share/rubygems-integration {b}/keep
mount --bind {b}/usr_share /usr/share
mkdir -p /usr/share/rubygems-integration
mount --move {b}/keep /usr/share/rubygems-integration
mount --bind {b}/etc /etc
mount --bind {b}/var /var
mount --bind {b}/run /run
exec bash {PACKAGES / package / 'postinst'} "$@"
"""
        env = {"PATH": f"{b}/bin:/usr/sbin:/usr/bin:/sbin:/bin", "CALLS": str(self.calls),
               "DEBCONF_ANSWERS": str(self.answers)}
        result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *args],
                                env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        return self.calls.read_text().splitlines()


@pytest.fixture
def root(tmp_path):
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("unshare --mount is not permitted here")
    return Root(tmp_path)


# jitsi-videobridge2 ------------------------------------------------------------------------------

def test_jvb_upgrade_keeps_contract_files_byte_identical_and_restarts(root):
    root.write("/etc/jitsi/videobridge/config", JVB_ENV)
    root.write("/etc/jitsi/videobridge/jvb.conf", JVB_CONF)
    calls = root.run("jitsi-videobridge2", "configure", "2.3-9001-g0a1b2c3d4-1")
    assert root.read("/etc/jitsi/videobridge/config") == JVB_ENV
    assert root.read("/etc/jitsi/videobridge/jvb.conf") == JVB_CONF
    assert "chown -R jvb:jitsi /etc/jitsi/videobridge" in calls
    assert oct(root.path("/etc/jitsi/videobridge").stat().st_mode & 0o777) == "0o750"
    # Always stopped with systemctl (no policy-rc.d), then the debhelper part restarts it.
    assert calls.index("systemctl stop jitsi-videobridge2.service") \
        < calls.index("deb-systemd-invoke restart jitsi-videobridge2.service")
    assert "deb-systemd-helper unmask jitsi-videobridge2.service" in calls
    assert "deb-systemd-helper enable jitsi-videobridge2.service" in calls
    # No JVB_HOSTNAME/JVB_SECRET in the env file: a fresh secret goes to debconf.
    assert any(c.startswith("db_set jitsi-videobridge/jvbsecret ") and len(c.split()) == 3 for c in calls)


def test_jvb_apis_rest_moves_into_jvb_conf_and_leaves_the_env_file(root):
    root.write("/etc/jitsi/videobridge/config", 'JVB_OPTS="--apis=rest,"\n' + JVB_ENV)
    root.write("/etc/jitsi/videobridge/jvb.conf", 'videobridge {\n  ice { udp { port = 10000 } }\n}\n')
    root.run("jitsi-videobridge2", "configure", "2.3-9001-g0a1b2c3d4-1")
    assert root.read("/etc/jitsi/videobridge/config") == "\n" + JVB_ENV
    tree = hocon.loads(root.read("/etc/jitsi/videobridge/jvb.conf"))
    assert hocon.get(tree, "videobridge.apis.rest.enabled") is True
    assert hocon.get(tree, "videobridge.ice.udp.port") == 10000


def test_jvb_apis_rest_does_not_override_jvb_conf_and_comments_do_not_count(root):
    root.write("/etc/jitsi/videobridge/config", 'JVB_OPTS="--apis=rest"\n' + JVB_ENV)
    root.write("/etc/jitsi/videobridge/jvb.conf", "videobridge.apis.rest.enabled = false\n")
    root.run("jitsi-videobridge2", "configure", "2.3-9001-g0a1b2c3d4-1")
    assert root.read("/etc/jitsi/videobridge/jvb.conf") == "videobridge.apis.rest.enabled = false\n"
    assert "--apis" not in root.read("/etc/jitsi/videobridge/config")

    commented = '# JVB_OPTS="--apis=rest"\n' + JVB_ENV
    root.write("/etc/jitsi/videobridge/config", commented)
    root.write("/etc/jitsi/videobridge/jvb.conf", "videobridge {}\n")
    root.run("jitsi-videobridge2", "configure", "2.3-9001-g0a1b2c3d4-1")
    assert root.read("/etc/jitsi/videobridge/config") == commented
    assert root.read("/etc/jitsi/videobridge/jvb.conf") == "videobridge {}\n"


def test_jvb_env_file_gets_config_file_and_loses_extra_jvm_params(root):
    root.write("/etc/jitsi/videobridge/config", 'JAVA_SYS_PROPS="-Dx=y $JVB_EXTRA_JVM_PARAMS"\n')
    root.write("/etc/jitsi/videobridge/jvb.conf", "videobridge {}\n")
    root.run("jitsi-videobridge2", "configure", "2.3-9001-g0a1b2c3d4-1")
    assert root.read("/etc/jitsi/videobridge/config") \
        == 'JAVA_SYS_PROPS="-Dconfig.file=/etc/jitsi/videobridge/jvb.conf -Dx=y "\n'


def test_jvb_fresh_install_writes_the_package_defaults_and_starts(root):
    calls = root.run("jitsi-videobridge2", "configure")
    env = root.read("/etc/jitsi/videobridge/config")
    assert env.startswith("\n# adds java system props") and \
        'JAVA_SYS_PROPS="-Dconfig.file=/etc/jitsi/videobridge/jvb.conf -Dnet.java' in env
    tree = hocon.loads(root.read("/etc/jitsi/videobridge/jvb.conf"))
    shard = hocon.get(tree, "videobridge.apis.xmpp-client.configs.shard")
    assert shard["DOMAIN"] == f"auth.{DOMAIN}" and shard["MUC_JIDS"] == f"jvbbrewery@internal.auth.{DOMAIN}"
    assert shard["MUC_NICKNAME"] == "0f0e0d0c-0b0a-4908-8706-050403020100"
    assert hocon.get(tree, "ice4j.harvest.mapping.stun.addresses") == ["meet-jit-si-turnrelay.jitsi.net:443"]
    assert "deb-systemd-invoke start jitsi-videobridge2.service" in calls


def test_jvb_without_systemd_touches_no_service(root):
    root.path("/run/systemd/system").rmdir()
    root.write("/etc/jitsi/videobridge/config", JVB_ENV)
    root.write("/etc/jitsi/videobridge/jvb.conf", JVB_CONF)
    calls = root.run("jitsi-videobridge2", "configure", "2.3-9001-g0a1b2c3d4-1")
    assert not [c for c in calls if c.startswith(("systemctl", "deb-systemd-invoke"))]


# jicofo ------------------------------------------------------------------------------------------

def _jicofo_root(root, env=JICOFO_ENV, conf=JICOFO_CONF):
    init = root.path("/etc/init.d/jicofo")
    init.write_text("#!/bin/sh\n")
    init.chmod(0o755)
    if env is not None:
        root.write("/etc/jitsi/jicofo/config", env)
    if conf is not None:
        root.write("/etc/jitsi/jicofo/jicofo.conf", conf)


def test_jicofo_upgrade_keeps_contract_files_byte_identical_and_restarts_via_sysv(root):
    _jicofo_root(root)
    calls = root.run("jicofo", "configure", "1.0-9001-1")
    assert root.read("/etc/jitsi/jicofo/config") == JICOFO_ENV
    assert root.read("/etc/jitsi/jicofo/jicofo.conf") == JICOFO_CONF
    assert "chown -R jicofo:jitsi /etc/jitsi/jicofo" in calls
    assert oct(root.path("/etc/jitsi/jicofo").stat().st_mode & 0o777) == "0o750"
    assert calls[-4:] == ["invoke-rc.d jicofo status", "invoke-rc.d jicofo stop", "update-rc.d jicofo defaults",
                          "invoke-rc.d --skip-systemd-native jicofo restart"]
    assert "db_set jicofo/jicofo-authpassword focus-secret" in calls


@pytest.mark.parametrize("env", [
    JICOFO_ENV.replace("JICOFO_AUTH_PASSWORD=focus-secret\n", ""),
    JICOFO_ENV.replace(f"JICOFO_HOSTNAME={DOMAIN}", "JICOFO_HOSTNAME=other.test"),
])
def test_jicofo_env_file_without_the_four_settings_is_rewritten(root, env):
    _jicofo_root(root, env=env)
    root.run("jicofo", "configure", "1.0-9001-1")
    lines = root.read("/etc/jitsi/jicofo/config").splitlines()
    assert len(lines) == 2 and lines[0].startswith("# adds java system props")
    assert lines[1].startswith('JAVA_SYS_PROPS="-Dnet.java.sip.communicator.SC_HOME_DIR_LOCATION=/etc/jitsi')
    assert "-Dconfig.file" not in lines[1]  # jicofo.sh adds it
    # jicofo.conf already had every client setting: only client-proxy is (re)written, to the same value.
    assert root.read("/etc/jitsi/jicofo/jicofo.conf") == JICOFO_CONF


def test_jicofo_client_proxy_always_follows_debconf(root):
    _jicofo_root(root, conf=JICOFO_CONF.replace(f'client-proxy = "focus.{DOMAIN}"', 'client-proxy = "focus.old"'))
    root.run("jicofo", "configure", "1.0-9001-1")
    tree = hocon.loads(root.read("/etc/jitsi/jicofo/jicofo.conf"))
    assert hocon.get(tree, "jicofo.xmpp.client.client-proxy") == f"focus.{DOMAIN}"


def test_jicofo_fresh_install_builds_jicofo_conf_and_starts(root):
    _jicofo_root(root, env=None, conf=None)
    calls = root.run("jicofo", "configure")
    tree = hocon.loads(root.read("/etc/jitsi/jicofo/jicofo.conf"))
    client = hocon.get(tree, "jicofo.xmpp.client")
    assert client == {"client-proxy": f"focus.{DOMAIN}", "xmpp-domain": DOMAIN, "domain": f"auth.{DOMAIN}",
                      "username": "focus", "password": "debconf-pw"}
    assert hocon.get(tree, "jicofo.bridge.brewery-jid") == f"JvbBrewery@internal.auth.{DOMAIN}"
    assert hocon.get(tree, "jicofo.xmpp.trusted-domains") == [f"recorder.{DOMAIN}"]
    assert calls[-1] == "invoke-rc.d --skip-systemd-native jicofo start"


def test_jicofo_trusted_domains_set_unless_already_a_list(root):
    _jicofo_root(root, conf=JICOFO_CONF.replace("    trusted-domains = []\n", ""))
    root.run("jicofo", "configure", "1.0-9001-1")
    tree = hocon.loads(root.read("/etc/jitsi/jicofo/jicofo.conf"))
    assert hocon.get(tree, "jicofo.xmpp.trusted-domains") == [f"recorder.{DOMAIN}"]
