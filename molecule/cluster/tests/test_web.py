"""The web app's paths through the front door, as a browser asks for them."""

import gzip
import http.client
import pathlib
import socket
import ssl

import pytest
import yaml

from testlib import container_address, host

ROOT = pathlib.Path(__file__).resolve().parents[3]
DOMAIN = "meet.lab.test"
SECURITY_HEADERS = {"strict-transport-security": "max-age=31536000", "x-content-type-options": "nosniff",
                    "x-xss-protection": "1; mode=block"}


@pytest.fixture(scope="module")
def front():
    return container_address("lab-haproxy1")


def get(front, path, **headers):
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the lab's own CA
    # Connected by hand: HTTPSConnection would send the address, not the domain, as SNI.
    connection = http.client.HTTPSConnection(front, 443, timeout=10, context=context)
    connection.sock = context.wrap_socket(socket.create_connection((front, 443), 10), server_hostname=DOMAIN)
    connection.request("GET", path, headers=dict({"Host": DOMAIN}, **headers))
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_external_api_is_the_iframe_api_served_as_javascript(front):
    status, headers, body = get(front, "/external_api.js")
    assert status == 200 and headers["content-type"].startswith("application/javascript")
    assert b"JitsiMeetExternalAPI" in body and b"<html" not in body.lower()


def test_a_room_path_serves_the_app_with_upstreams_security_headers(front):
    status, headers, body = get(front, "/SomeRoom")
    assert status == 200 and b"<html>" in body
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (name, headers)


def test_static_files_keep_the_shard_header_and_versioned_ones_are_cached_for_a_year(front):
    status, headers, _ = get(front, "/libs/app.bundle.min.js?v=9002")
    assert status == 200 and headers.get("x-jitsi-shard") in ("shard_a", "shard_b")
    assert headers.get("cache-control") == "max-age=31536000" or "max-age=31536000" in headers.get("cache-control", "")
    assert headers.get("x-content-type-options") == "nosniff"


def test_javascript_is_compressed_for_browsers_that_ask(front):
    status, headers, body = get(front, "/libs/app.bundle.min.js", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert b"Jitsi Meet stand-in" in gzip.decompress(body)


def test_a_tenant_room_serves_the_app_and_its_config_points_at_the_tenant(front):
    status, _, body = get(front, "/school/maths")
    assert status == 200 and b"<html>" in body
    status, _, config = get(front, "/school/config.js")
    assert status == 200
    text = config.decode()
    # The package's own tenant-aware lines, and the role's, see the tenant nginx extracted.
    assert "var subdir = 'school/';" in text and "var subdomain = 'school.';" in text
    assert f"config.websocket = 'wss://{DOMAIN}/' + subdir + 'xmpp-websocket';" in text


def test_a_tenants_xmpp_path_reaches_prosodys_bosh(front):
    status, headers, body = get(front, "/school/http-bind?room=maths")
    assert status == 200 and headers.get("x-jitsi-shard") in ("shard_a", "shard_b"), (status, headers)
    assert b"BOSH" in body  # Prosody's mod_bosh answers a GET with its "It works" page


def test_an_unknown_static_file_is_a_404(front):
    status, _, _ = get(front, "/libs/no-such-file.js")
    assert status == 404


@pytest.mark.parametrize("signal", ["lab-a-signal", "lab-b-signal"])
def test_nginx_holds_more_participants_than_debians_768_connections(signal):
    # make bench: with Debian's 768, 762 of 800 websockets got in and nginx answered the rest with 500.
    # The lab sets no value of its own: the role's default applies.
    defaults = yaml.safe_load((ROOT / "roles" / "jitsi_web" / "defaults" / "main.yml").read_text())
    connections = defaults["jitsi_web_worker_connections"]
    assert connections > 768
    effective = host(signal).check_output("nginx -T 2>/dev/null | grep -E '^\\s*(worker_connections|worker_rlimit_nofile)\\s'")
    assert f"worker_connections {connections};" in effective, effective
    assert f"worker_rlimit_nofile {connections * 2};" in effective, effective
