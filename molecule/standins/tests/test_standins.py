"""The stand-ins behave like the real services at the interfaces the roles rely on.

Tests run in file order: the upgrade and the broken release come last.
"""

import json

from testlib import host, poll, request

testinfra_hosts = ["ansible://standins-host"]
OLD, NEW, BROKEN = "2.3.9001-1", "2.3.9002-1", "2.3.9003-1"
REPO = "file:/srv/jitsi-standin-repo stable/"


def _node():
    return host("standins-host")


def _jicofo_stats(node):
    status, body = request(node, "http://127.0.0.1:8888/stats")
    return json.loads(body) if status == 200 else {}


def test_signed_repository_offers_every_version():
    node = _node()
    policy = node.check_output("apt-cache policy jitsi-videobridge2")
    for version in (OLD, NEW, BROKEN):
        assert version in policy
    assert REPO in policy
    source = node.file("/etc/apt/sources.list.d/jitsi-stable.list").content_string
    assert "signed-by=/etc/apt/keyrings/jitsi-keyring.asc" in source
    # apt verified the InRelease signature with that key (an unsigned repo has no InRelease list).
    assert node.run("ls /var/lib/apt/lists/ | grep -q '_srv_jitsi-standin-repo_stable_InRelease$'").rc == 0


def test_packages_ship_the_real_layout():
    node = _node()
    for user in ("jvb", "jicofo"):
        assert node.user(user).group == "jitsi"
    for path in ("/lib/systemd/system/jitsi-videobridge2.service", "/lib/systemd/system/jicofo.service",
                 "/usr/share/jitsi-videobridge/jvb.sh", "/usr/share/jicofo/jicofo.sh",
                 "/usr/share/jitsi-meet/index.html", "/usr/share/jitsi-meet/prosody-plugins/mod_speakerstats.lua"):
        assert node.file(path).exists, path
    config_js = node.file("/etc/jitsi/meet/standins.test-config.js")
    assert config_js.exists and "domain: 'standins.test'" in config_js.content_string


def test_prosody_loads_the_packaged_plugins():
    log = _node().file("/var/log/prosody/prosody.log").content_string
    assert "stand-in mod_speakerstats loaded" in log
    assert "stand-in mod_client_proxy loaded" in log


def test_jicofo_healthy_with_exactly_the_good_bridge():
    node = _node()
    stats = poll(lambda: _jicofo_stats(node), lambda s: s.get("bridge_count") == 1)
    assert stats["bridge_count"] == 1, stats
    assert stats["bridges"][0]["jid"].endswith("/jvb-good"), stats
    assert stats["bridges"][0]["region"] == "lab"
    status, _ = request(node, "http://127.0.0.1:8888/about/health")
    assert status == 200


def test_bridge_with_right_credentials_is_healthy():
    node = _node()
    status, body = poll(lambda: request(node, "http://127.0.0.1:8080/about/health"), lambda r: r[0] == 200)
    assert status == 200, body


STUN = r"""
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(struct.pack("!HHI", 1, 0, 0x2112A442) + b"standin-test", ("127.0.0.1", 10000))
answer = s.recv(512)
print(struct.unpack("!HHI", answer[:8])[0] == 0x0101 and answer[8:20] == b"standin-test")
"""


def test_bridge_answers_stun_on_its_media_port():
    node = _node()
    assert node.check_output("python3 -c %s", STUN) == "True"
    stats = json.loads(request(node, "http://127.0.0.1:8080/colibri/stats")[1])
    assert stats["media_packets"] >= 1, stats


def test_bridge_with_wrong_password_stays_unhealthy_and_says_why():
    node = _node()
    status, body = request(node, "http://127.0.0.1:8081/about/health")
    assert status == 500, body
    log = node.file("/var/log/jitsi/jvb-wrong-password.log").content_string
    assert "authentication failed for jvb-01@auth.standins.test" in log


def test_bridge_with_unparseable_config_refuses_to_start():
    node = _node()
    assert not node.service("jvb-bad-config").is_running or node.run("ss -ltn | grep -q ':8082 '").rc != 0
    log = node.file("/var/log/jitsi/jvb-bad-config.log").content_string
    assert "configuration is unusable" in log and "unterminated object" in log


def test_synthetic_conferences_are_counted_by_bridge_and_jicofo():
    node = _node()
    status, body = request(node, "http://127.0.0.1:8080/test/conferences", "POST", {"count": 2, "duration": 600})
    assert status == 200, body
    bridge = json.loads(request(node, "http://127.0.0.1:8080/colibri/stats")[1])
    assert bridge["conferences"] == 2 and bridge["participants"] == 4
    stats = poll(lambda: _jicofo_stats(node), lambda s: s.get("conferences") == 2)
    assert stats["conferences"] == 2, stats


def test_drain_refuses_new_conferences():
    node = _node()
    assert request(node, "http://127.0.0.1:8080/colibri/drain/enable", "POST")[0] == 200
    status, _ = request(node, "http://127.0.0.1:8080/test/conferences", "POST", {"count": 1, "duration": 5})
    assert status == 409
    assert request(node, "http://127.0.0.1:8080/colibri/drain/disable", "POST")[0] == 200


def test_upgrade_old_to_new_keeps_config_and_counts_cut_conferences():
    node = _node()
    before = node.file("/etc/jitsi/videobridge/jvb.conf").sha256sum
    cmd = node.run(f"DEBIAN_FRONTEND=noninteractive apt-get install -y jitsi-videobridge2={NEW} jicofo=1.0.9002-1")
    assert cmd.rc == 0, cmd.stderr
    assert node.package("jitsi-videobridge2").version == NEW
    assert node.file("/etc/jitsi/videobridge/jvb.conf").sha256sum == before
    status, body = poll(lambda: request(node, "http://127.0.0.1:8080/about/version"),
                        lambda r: r[0] == 200 and NEW in r[1])
    assert NEW in body
    # The two synthetic conferences were live when the package restarted the bridge.
    state = json.loads(node.file("/var/lib/jitsi-videobridge/standin-state.json").content_string)
    assert state["interrupted"] == 2, state
    stats = poll(lambda: _jicofo_stats(node), lambda s: s.get("bridge_count") == 1)
    assert stats["version"] == "1.0.9002-1" and stats["bridge_count"] == 1


def test_broken_release_fails_its_installation():
    node = _node()
    cmd = node.run(f"DEBIAN_FRONTEND=noninteractive apt-get install -y jitsi-videobridge2={BROKEN}")
    assert cmd.rc != 0
    assert "broken on purpose" in cmd.stdout + cmd.stderr
    assert "half-configured" in node.check_output("dpkg-query -W -f '${Status}' jitsi-videobridge2")
