"""The stand-ins behave like the real services at the interfaces the roles rely on.

Tests run in file order: the upgrade, the package reconfigurations and the broken release come last.
"""

import functools
import json
import pathlib
import xml.etree.ElementTree as ET

from testlib import host, poll, request

testinfra_hosts = ["ansible://standins-host"]
OLD, NEW, BROKEN = "2.3-9001-g0a1b2c3d4-1", "2.3-9002-g1b2c3d4e5-1", "2.3-9003-g2c3d4e5f6-1"
JICOFO_OLD, JICOFO_NEW = "1.0-9001-1", "1.0-9002-1"
REPO = "file:/srv/jitsi-standin-repo stable/"
DOMAIN = "standins.test"
BREWERY = f"jvbbrewery@internal.auth.{DOMAIN}"
PUBLIC = "203.0.113.11"
FOCUS = "http://jitsi.org/protocol/focus"
ROLE_FILES = ["/etc/jitsi/videobridge/config", "/etc/jitsi/videobridge/jvb.conf",
              "/etc/jitsi/jicofo/config", "/etc/jitsi/jicofo/jicofo.conf"]


def _node():
    return host("standins-host")


def _json(node, url, method="GET", body=None):
    status, text = request(node, url, method, body)
    return json.loads(text) if status == 200 else {}


def _address(node):
    return node.check_output("ip -4 -o route get 1.1.1.1").split(" src ")[1].split()[0]


def _jicofo_bridges(node):
    return _json(node, "http://127.0.0.1:8888/test/state").get("bridges", {})


# Packages ------------------------------------------------------------------------------------------

def test_signed_repository_offers_every_version_in_real_formats():
    node = _node()
    policy = node.check_output("apt-cache policy jitsi-videobridge2")
    for version in (OLD, NEW, BROKEN):
        assert version in policy
    assert REPO in policy
    assert JICOFO_NEW in node.check_output("apt-cache policy jicofo")
    source = node.file("/etc/apt/sources.list.d/jitsi-stable.list").content_string
    assert "signed-by=/etc/apt/keyrings/jitsi-keyring.asc" in source
    # apt verified the InRelease signature with that key (an unsigned repo has no InRelease list).
    assert node.run("ls /var/lib/apt/lists/ | grep -q '_srv_jitsi-standin-repo_stable_InRelease$'").rc == 0


def test_packages_ship_the_real_layout_and_dependencies():
    node = _node()
    for user in ("jvb", "jicofo"):
        assert node.user(user).group == "jitsi"
    for path in ("/lib/systemd/system/jitsi-videobridge2.service", "/usr/share/jitsi-videobridge/jvb.sh",
                 "/usr/share/jicofo/jicofo.sh", "/usr/share/jitsi-meet/index.html",
                 "/usr/share/jitsi-meet/prosody-plugins/mod_speakerstats.lua"):
        assert node.file(path).exists, path
    # Jicofo has a SysV script and no unit of its own, as the real package.
    assert node.file("/etc/init.d/jicofo").mode == 0o755
    assert not node.file("/lib/systemd/system/jicofo.service").exists
    for tool in ("hocon", "jq", "uuidgen"):
        assert node.run(f"command -v {tool}").rc == 0, tool
    for directory in ("/etc/jitsi/videobridge", "/etc/jitsi/jicofo"):
        assert node.file(directory).mode == 0o750
    config_js = node.file(f"/etc/jitsi/meet/{DOMAIN}-config.js")
    assert config_js.exists and f"domain: '{DOMAIN}'" in config_js.content_string


def test_jicofo_runs_from_its_sysv_script():
    node = _node()
    show = node.check_output("systemctl show jicofo.service -p SourcePath -p ActiveState -p FragmentPath")
    assert "SourcePath=/etc/init.d/jicofo" in show and "ActiveState=active" in show
    assert "/generator" in show  # made by systemd-sysv-generator
    pid = node.file("/var/run/jicofo.pid").content_string.strip()
    assert node.check_output(f"ps -o user= -p {pid}") == "jicofo"
    assert "jitsi_standin.jicofo" in node.check_output(f"ps -o args= -p {pid}")


def _prosody_errors(node):
    """Error lines of Prosody's error log, but for the presence the brewery test sends on purpose."""
    log = node.run("cat /var/log/prosody/prosody.err").stdout
    return [line for line in log.splitlines() if line.strip() and "Filtering unauthorized presence" not in line]


def test_prosody_loads_the_full_jitsi_layout_without_errors():
    node = _node()
    assert _prosody_errors(node) == []
    log = node.file("/var/log/prosody/prosody.log").content_string
    # (Whether each component's identity reached features_identity depends on Prosody's start
    # order, an upstream race: test_the_main_domain_announces_the_components_in_disco_info.)
    for line in (f"Lobby component loaded lobby.{DOMAIN}", f"Starting av_moderation for conference.{DOMAIN}",
                 f"Starting end_conference for conference.{DOMAIN}", f"Starting speakerstats for conference.{DOMAIN}",
                 f"loaded proxy on focus.{DOMAIN}"):
        assert line in log, line


BROKEN_CONFIG = """
pidfile = "/tmp/standins-broken/prosody.pid"
data_path = "/tmp/standins-broken"
storage = "memory"
log = { info = "/tmp/standins-broken/prosody.log" }
c2s_ports = { 15222 }
s2s_ports = { 15269 }
component_ports = { }
modules_enabled = { "roster"; "saslauth"; "disco"; }
plugin_paths = { "/usr/share/jitsi-meet/prosody-plugins/" }
muc_mapper_domain_base = "broken.test"
VirtualHost "broken.test"
    authentication = "jitsi-anonymous"
    modules_enabled = { "features_identity"; "muc_lobby_rooms"; }
    main_muc = "conference.broken.test"
VirtualHost "nomain.test"
    modules_enabled = { "muc_breakout_rooms"; }
Component "conference.broken.test" "muc"
Component "speakerstats.broken.test" "speakerstats_component"
Component "endconference.broken.test" "end_conference"
Component "avmoderation.broken.test" "av_moderation_component"
Component "metadata.broken.test" "room_metadata_component"
Component "internal.broken.test" "muc"
    modules_enabled = { "muc_filter_access"; }
"""


def _prosody_13(node):
    return node.package("prosody").version.startswith("13.")


def test_missing_options_make_the_real_prosody_log_upstreams_errors():
    node = _node()
    node.check_output("rm -rf /tmp/standins-broken && install -d -o prosody -g prosody /tmp/standins-broken")
    node.check_output(f"cat > /tmp/standins-broken/prosody.cfg.lua <<'EOF'\n{BROKEN_CONFIG}\nEOF")
    node.run("cd /tmp/standins-broken && timeout 8 runuser -u prosody -- prosody --config "
             "/tmp/standins-broken/prosody.cfg.lua")
    log = node.file("/tmp/standins-broken/prosody.log").content_string
    lines = [line for line in log.splitlines() if "\terror\t" in line or "\twarn\t" in line]
    assert any("broken.test:muc_lobby_rooms" in x and "lobby not enabled missing lobby_muc config" in x
               for x in lines), log
    assert any("breakout rooms not enabled missing main_muc config" in x for x in lines), log
    for component in ("speakerstats", "endconference", "avmoderation"):
        assert any(f"{component}.broken.test" in x and "\terror\t" in x
                   and "No muc_component specified. No muc to operate on!" in x for x in lines), (component, log)
    assert any("No 'muc_filter_whitelist' option set, disabling muc_filter_access" in x for x in lines), log
    if _prosody_13(node):
        assert any("metadata.broken.test" in x and "No muc_component specified" in x for x in lines), log
    else:  # upstream's module needs Prosody 13's module namespace
        assert "Error initializing module 'room_metadata_component' on 'metadata.broken.test'" in log
        assert "module 'prosody.util.datetime' not found" in log
    # The modules stop there: no lobby identity, no component announced.
    assert "Lobby component loaded" not in log and "Adding identity" not in log


# A client, as lib-jitsi-meet ---------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _client_run():
    """One run of the clients' scenario, shared by the tests that read what they saw."""
    node = _node()
    script = (pathlib.Path(__file__).parent / "files" / "focus_client.py").read_text()
    node.check_output(f"cat > /tmp/focus_client.py <<'EOF'\n{script}\nEOF")
    cmd = node.run(f"timeout 150 python3 /tmp/focus_client.py {DOMAIN}")
    assert cmd.rc == 0, cmd.stderr
    return json.loads(cmd.stdout.strip().splitlines()[-1])


def _xml(text):
    return ET.fromstring(text)


def test_the_main_domain_announces_the_components_in_disco_info():
    identities = {(i.get("type"), i.get("name"))
                  for i in _xml(_client_run()["disco"]).iter("{http://jabber.org/protocol/disco#info}identity")
                  if i.get("category") == "component"}
    # Added by the VirtualHost modules themselves.
    for kind, host in (("lobbyrooms", "lobby"), ("breakout_rooms", "breakout"),
                       ("conference_duration", "conferenceduration")):
        assert (kind, f"{host}.{DOMAIN}") in identities, (kind, identities)
    # Announced by the components through mod_features_identity. Upstream's process_host_module
    # fires the event from a host-activated handler: when a component starts before the main
    # host has loaded features_identity, the announcement is lost (Prosody orders handlers of
    # equal priority arbitrarily), so the disco shows exactly what features_identity logged.
    log = _node().file("/var/log/prosody/prosody.log").content_string
    kinds = [("end_conference", "endconference"), ("speakerstats", "speakerstats"), ("polls", "polls"),
             ("av_moderation", "avmoderation")]
    if _prosody_13(_node()):
        kinds.append(("room_metadata", "metadata"))
    for kind, host in kinds:
        logged = f"Adding identity {kind} for host {host}.{DOMAIN}" in log
        assert ((kind, f"{host}.{DOMAIN}") in identities) == logged, (kind, identities)


def test_anonymous_client_gets_the_conference_from_focus_and_is_made_moderator():
    run = _client_run()
    assert run["jid1"].split("@")[1].startswith(f"{DOMAIN}/")  # SASL ANONYMOUS: a random user
    answer = _xml(run["answer1"])
    conference = answer.find(f"{{{FOCUS}}}conference")
    assert answer.get("type") == "result" and answer.get("from") == f"focus.{DOMAIN}", run["answer1"]
    assert (conference.get("room"), conference.get("ready"), conference.get("focusjid")) == \
        (run["room"], "true", f"focus@auth.{DOMAIN}")
    properties = {p.get("name"): p.get("value") for p in conference.findall(f"{{{FOCUS}}}property")}
    assert properties == {"authentication": "false", "visitors-supported": "false"}
    assert run["c1_item"]["affiliation"] == "owner" and run["c1_item"]["role"] == "moderator", run
    assert _xml(run["answer2"]).find(f"{{{FOCUS}}}conference").get("ready") == "true"
    assert run["c2_sees_c1"]["role"] == "moderator" and run["c2_sees_c1"]["jid"] == run["jid1"]
    log = _node().file("/var/log/jitsi/jicofo.log").content_string
    assert f"Conference request for room {run['room']}, from {run['jid1']}, token=False" in log
    assert f"Joining {run['room']}" in log and "Electing new owner" in log


def test_lobby_refuses_a_newcomer_until_a_moderator_admits_them():
    run = _client_run()
    lobby_room = run["room"].replace("@conference.", "@lobby.")
    assert any("LOBBY-ENABLED" in m for m in run["c1_messages"]), run["c1_messages"]
    assert any('<status code="104"' in m for m in run["c1_messages"]), run["c1_messages"]
    # slixmpp prints stanzas without their default namespace (jabber:client).
    no_name = _xml(run["no_display_name"]).find("error")
    assert no_name.get("code") == "406" and no_name.find("{http://jitsi.org/jitmeet}displayname-required") is not None
    refused = _xml(run["refused"])
    error = refused.find("error")
    assert (error.get("type"), error.get("code")) == ("auth", "407"), run["refused"]
    assert error.find("{urn:ietf:params:xml:ns:xmpp-stanzas}registration-required") is not None
    assert error.findtext("{http://jitsi.org/jitmeet}lobbyroom") == lobby_room
    assert refused.findtext("lobbyroom") == lobby_room  # upstream's legacy copy
    assert run["c3_in_lobby"] and run["c1_sees_knocker"]["jid"] == run["jid3"]
    assert not run["c3_sees_moderator_in_lobby"]  # a knocker sees only itself
    admitted = _xml(run["admitted"])
    assert admitted.get("type") is None, run["admitted"]
    item = admitted.find("{http://jabber.org/protocol/muc#user}x/{http://jabber.org/protocol/muc#user}item")
    assert item.get("affiliation") == "member"


def test_anonymous_client_cannot_join_the_brewery_or_get_a_room_outside_the_conference_muc():
    run = _client_run()
    assert run["brewery"] is None  # dropped without an answer, as mod_muc_filter_access does
    err = _node().file("/var/log/prosody/prosody.err").content_string
    assert "Filtering unauthorized presence" in err and "jvbbrewery@internal.auth" in err
    # Upstream Jicofo checks no domain: it fails to join, logs, and never answers.
    assert run["outside_muc"] is None
    assert "Exception while trying to start the conference" in _node().file("/var/log/jitsi/jicofo.log").content_string


def test_jicofo_counts_its_conferences_and_leaves_when_the_last_member_leaves():
    node = _node()
    _client_run()
    log = poll(lambda: node.file("/var/log/jitsi/jicofo.log").content_string,
               lambda text: "Last member left, stopping." in text)
    assert "Last member left, stopping." in log and "Stopped." in log
    stats = _json(node, "http://127.0.0.1:8888/stats")
    assert stats["total_conferences_created"] >= 1, stats


# Jicofo --------------------------------------------------------------------------------------------

def test_jicofo_counts_the_bridges_in_the_brewery_and_health_checks_them():
    node = _node()
    stats = poll(lambda: _json(node, "http://127.0.0.1:8888/stats"),
                 lambda s: s.get("bridge_selector", {}).get("bridge_count") == 2
                 and s["bridge_selector"]["operational_bridge_count"] == 1)
    assert "bridge_count" not in stats, stats  # nested under bridge_selector, as upstream
    assert stats["bridge_selector"]["bridge_count"] == 2 and stats["bridge_selector"]["operational_bridge_count"] == 1
    bridges = _jicofo_bridges(node)
    # The wrong-password bridge never joins; the private-only one joins but fails Jicofo's health-check IQ.
    assert sorted(bridges) == [f"{BREWERY}/jvb-good", f"{BREWERY}/jvb-private-only"], bridges
    assert bridges[f"{BREWERY}/jvb-good"]["operational"] is True
    assert bridges[f"{BREWERY}/jvb-good"]["stats"]["region"] == "lab"
    assert bridges[f"{BREWERY}/jvb-good"]["stats"]["relay_id"] == "standins-good"
    assert (bridges[f"{BREWERY}/jvb-private-only"]["operational"],
            bridges[f"{BREWERY}/jvb-private-only"]["health_check"]) == (False, "failed")
    debug = _json(node, "http://127.0.0.1:8888/debug")["bridge_selector"]
    assert debug["strategy"] == "RegionBasedBridgeSelectionStrategy"
    assert debug["bridge"][f"{BREWERY}/jvb-private-only"]["operational"] is False
    assert "octo enabled" in node.file("/var/log/jitsi/jicofo.log").content_string


def test_jicofo_health_checks_pass_with_an_operational_bridge():
    node = _node()
    # At least one periodic check ran: a test room was created on the conference MUC and the domain pinged.
    state = poll(lambda: _json(node, "http://127.0.0.1:8888/test/state"),
                 lambda s: (s.get("health") or {}).get("checks", 0) >= 1, timeout=40)
    assert state["health"]["success"] is True, state
    assert request(node, "http://127.0.0.1:8888/about/health") == (200, "OK")
    stats = _json(node, "http://127.0.0.1:8888/stats")
    assert stats["healthy"] is True and stats["health"]["success"] is True


def test_jicofo_without_health_enabled_has_no_health_route_and_says_why_it_cannot_log_in():
    node = _node()
    assert poll(lambda: request(node, "http://127.0.0.1:8889/stats")[0], lambda s: s == 200) == 200
    assert request(node, "http://127.0.0.1:8889/about/health")[0] == 404
    stats = _json(node, "http://127.0.0.1:8889/stats")
    assert "healthy" not in stats and stats["bridge_selector"]["bridge_count"] == 0
    log = node.file("/var/log/jitsi/jicofo-nohealth.log").content_string
    assert f"authentication failed for focus@auth.{DOMAIN}" in log


# Bridges -------------------------------------------------------------------------------------------

def test_bridge_with_a_static_mapping_is_healthy_and_advertises_the_public_address():
    node = _node()
    assert request(node, "http://127.0.0.1:8080/about/health") == (200, "")
    state = _json(node, "http://127.0.0.1:8080/test/state")
    local = _address(node)
    assert {"type": "host", "protocol": "udp", "ip": local, "port": 10000} in state["candidates"]
    srflx = [c for c in state["candidates"] if c["type"] == "srflx"]
    assert srflx == [{"type": "srflx", "protocol": "udp", "ip": PUBLIC, "port": 10000, "rel-addr": local,
                      "rel-port": 10000, "mapping": "public"}]
    assert state["registered"] == {"standins": True}
    stats = _json(node, "http://127.0.0.1:8080/colibri/stats")
    assert (stats["region"], stats["relay_id"], stats["healthy"]) == ("lab", "standins-good", True)
    assert not {"registered", "media_packets", "shard"} & set(stats)


def test_private_only_bridge_is_unhealthy_and_serves_neither_stats_nor_shutdown():
    node = _node()
    status, body = poll(lambda: request(node, "http://127.0.0.1:8083/about/health"), lambda r: r[0] == 500)
    assert (status, body) == (500, "No valid IP addresses available for harvesting.")
    assert request(node, "http://127.0.0.1:8083/colibri/stats")[0] == 404
    assert request(node, "http://127.0.0.1:8083/colibri/shutdown", "POST", {"graceful-shutdown": True})[0] == 404
    assert request(node, "http://127.0.0.1:8083/about/version")[0] == 200


STUN = r"""
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(struct.pack("!HHI", 1, 0, 0x2112A442) + b"standin-test", (sys.argv[1], 10000))
answer = s.recv(512)
print(struct.unpack("!HHI", answer[:8])[0] == 0x0101 and answer[8:20] == b"standin-test")
"""


def test_bridge_answers_stun_on_its_host_addresses_and_has_no_tcp_or_octo_socket():
    node = _node()
    assert node.check_output("python3 -c %s %s", STUN, _address(node)) == "True"
    assert _json(node, "http://127.0.0.1:8080/test/state")["media_packets"] >= 1
    udp = node.check_output("ss -Hlun")
    assert f"{_address(node)}:10000" in udp and "127.0.0.1:10000" not in udp and ":4096" not in udp
    assert ":4443" not in node.check_output("ss -Hltn")


def test_bridge_with_wrong_password_says_why_and_is_not_counted_but_reports_healthy():
    node = _node()
    log = node.file("/var/log/jitsi/jvb-wrong-password.log").content_string
    assert "authentication failed for jvb-01@auth.standins.test" in log
    assert _json(node, "http://127.0.0.1:8081/test/state")["registered"] == {"standins": False}
    assert f"{BREWERY}/jvb-wrong-password" not in _jicofo_bridges(node)
    # Upstream's health check leaves XMPP out ("TODO" in JvbHealthChecker.kt).
    assert request(node, "http://127.0.0.1:8081/about/health") == (200, "")


def test_bridge_with_unparseable_config_refuses_to_start():
    node = _node()
    assert not node.service("jvb-bad-config").is_running or node.run("ss -ltn | grep -q ':8082 '").rc != 0
    log = node.file("/var/log/jitsi/jvb-bad-config.log").content_string
    assert "configuration is unusable" in log and "unterminated object" in log


def test_synthetic_conferences_are_counted_by_bridge_and_jicofo():
    node = _node()
    body = _json(node, "http://127.0.0.1:8080/test/conferences", "POST", {"count": 2, "duration": 600})
    assert body["opened"] == 2 and {c["ip"] for c in body["candidates"]} == {_address(node), PUBLIC}
    bridge = _json(node, "http://127.0.0.1:8080/colibri/stats")
    assert bridge["conferences"] == 2 and bridge["participants"] == 4
    stats = poll(lambda: _json(node, "http://127.0.0.1:8888/stats"), lambda s: s.get("conferences") == 2)
    assert stats["conferences"] == 2 and stats["participants"] == 4, stats


def test_drain_shows_in_jicofo_and_refuses_new_test_conferences():
    node = _node()
    assert request(node, "http://127.0.0.1:8080/colibri/drain/enable", "POST") == (200, "")
    assert _json(node, "http://127.0.0.1:8080/colibri/drain") == {"drain": True}
    assert request(node, "http://127.0.0.1:8080/test/conferences", "POST", {"count": 1, "duration": 5})[0] == 409
    good = f"{BREWERY}/jvb-good"
    debug = poll(lambda: _json(node, "http://127.0.0.1:8888/debug"),
                 lambda d: d["bridge_selector"]["bridge"][good]["drain"] is True)
    assert debug["bridge_selector"]["bridge"][good]["drain"] is True
    assert request(node, "http://127.0.0.1:8080/colibri/drain/disable", "POST") == (200, "")


def test_graceful_shutdown_ends_the_bridge_process():
    node = _node()
    assert request(node, "http://127.0.0.1:8081/colibri/shutdown", "POST", {"graceful-shutdown": True}) == (200, "")
    assert poll(lambda: node.service("jvb-wrong-password").is_running, lambda running: not running, timeout=30) \
        is False
    assert "Videobridge is shutting down NOW" in node.file("/var/log/jitsi/jvb-wrong-password.log").content_string
    # Exit status 0: systemd does not restart it (Restart=on-failure).
    assert node.check_output("systemctl show jvb-wrong-password -p Result") == "Result=success"


# Package upgrades and reconfiguration -------------------------------------------------------------

def test_upgrade_old_to_new_keeps_contract_files_byte_identical_and_counts_cut_conferences():
    node = _node()
    before = {path: node.file(path).sha256sum for path in ROLE_FILES}
    cmd = node.run(f"DEBIAN_FRONTEND=noninteractive apt-get install -y jitsi-videobridge2={NEW} jicofo={JICOFO_NEW} "
                   "jitsi-meet-prosody=1.0.9002-1")
    assert cmd.rc == 0, cmd.stderr
    assert node.package("jitsi-videobridge2").version == NEW and node.package("jicofo").version == JICOFO_NEW
    assert {path: node.file(path).sha256sum for path in ROLE_FILES} == before
    status, body = poll(lambda: request(node, "http://127.0.0.1:8080/about/version"),
                        lambda r: r[0] == 200 and NEW in r[1])
    assert NEW in body
    # The two synthetic conferences were live when the postinst stopped the bridge.
    assert _json(node, "http://127.0.0.1:8080/test/state")["interrupted"] == 2
    stats = poll(lambda: _json(node, "http://127.0.0.1:8888/stats"),
                 lambda s: s.get("version") == JICOFO_NEW and s["bridge_selector"]["bridge_count"] == 2)
    assert stats["version"] == JICOFO_NEW and stats["bridge_selector"]["bridge_count"] == 2, stats
    assert "SourcePath=/etc/init.d/jicofo" in node.check_output("systemctl show jicofo.service -p SourcePath")
    # jitsi-meet-prosody's postinst put focus.<domain> in focus's roster (prosodyctl mod_roster_command).
    roster = node.file(f"/var/lib/prosody/auth%2e{DOMAIN.replace('.', '%2e')}/roster/focus.dat")
    assert roster.exists and f'"focus.{DOMAIN}"' in roster.content_string


def test_apis_rest_in_the_env_file_is_moved_into_jvb_conf_as_upstream_does():
    node = _node()
    env, conf = "/etc/jitsi/videobridge/config", "/etc/jitsi/videobridge/jvb.conf"
    node.check_output(f"cp -p {env} /root/config.saved && cp -p {conf} /root/jvb.conf.saved")
    node.check_output(f"hocon -f {conf} unset videobridge.apis.rest && echo 'JVB_OPTS=\"--apis=rest,\"' >> {env}")
    cmd = node.run("DEBIAN_FRONTEND=noninteractive dpkg-reconfigure jitsi-videobridge2")
    assert cmd.rc == 0, cmd.stderr
    assert "--apis" not in node.file(env).content_string
    assert node.file(env).content_string.endswith("\n\n")  # the line is blanked, not removed
    assert node.check_output(f"hocon -f {conf} get videobridge.apis.rest.enabled") == "true"
    node.check_output(f"cp -p /root/config.saved {env} && cp -p /root/jvb.conf.saved {conf}")
    node.check_output("systemctl restart jitsi-videobridge2")


def test_policy_rc_d_keeps_jicofo_running_but_the_bridge_postinst_still_stops_it():
    node = _node()
    pid = node.file("/var/run/jicofo.pid").content_string.strip()
    node.check_output("printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d")
    try:
        for package in ("jicofo", "jitsi-videobridge2"):
            cmd = node.run(f"DEBIAN_FRONTEND=noninteractive dpkg-reconfigure {package}")
            assert cmd.rc == 0, cmd.stderr
        # invoke-rc.d asked policy-rc.d: Jicofo was neither stopped nor restarted.
        assert node.file("/var/run/jicofo.pid").content_string.strip() == pid
        # jvb's postinst stops the bridge with systemctl itself; deb-systemd-invoke may not start it again.
        assert not node.service("jitsi-videobridge2").is_running
    finally:
        node.check_output("rm -f /usr/sbin/policy-rc.d && systemctl start jitsi-videobridge2")
    assert poll(lambda: request(node, "http://127.0.0.1:8080/about/health")[0], lambda s: s == 200) == 200


def test_broken_release_fails_its_installation():
    node = _node()
    cmd = node.run(f"DEBIAN_FRONTEND=noninteractive apt-get install -y jitsi-videobridge2={BROKEN}")
    assert cmd.rc != 0
    assert "broken on purpose" in cmd.stdout + cmd.stderr
    assert "half-configured" in node.check_output("dpkg-query -W -f '${Status}' jitsi-videobridge2")
