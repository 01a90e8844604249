#!/usr/bin/python3
"""jitsi-shards autoscaler of one shard (roles/jitsi_autoscaler): jitsi-shards-autoscaler@<shard>.service
runs `python3 service.py /etc/jitsi-shards/autoscaler/<shard>.json`. Debian's python3 only.

Each interval: every bridge's /colibri/stats over the overlay, the shard's state from its signal
node's agent (jitsi_shard_state), one decision (decide.py) logged as JSON with its inputs, and at
most one action. /metrics (Prometheus text) on the host's overlay address.
"""

import http.server
import json
import logging
import socket
import sys
import threading
import time
import urllib.error
import urllib.request

import metrics
import providers
from autoscaler import Autoscaler

HTTP_TIMEOUT = 3
# Linux's IP_FREEBIND (Python names it only on some builds): bind the overlay address even before
# vx0 has it (boot order), as the kernel allows for this option.
IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)


def _url(bridge, path):
    return f"http://{bridge['overlay_address']}:{bridge['rest_port']}{path}"


def fetch_stats(bridge):
    """The bridge's /colibri/stats, or None when it does not answer (stopped, booting, unreachable)."""
    try:
        with urllib.request.urlopen(_url(bridge, "/colibri/stats"), timeout=HTTP_TIMEOUT) as answer:
            return json.load(answer)
    except (OSError, ValueError):
        return None


def graceful_shutdown(bridge):
    """jvb rest/root/colibri/shutdown (Shutdown.java): no new conferences, exit after the last one."""
    body = json.dumps({"graceful-shutdown": True}).encode()
    request = urllib.request.Request(_url(bridge, "/colibri/shutdown"), data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT):
        pass


def shard_state_reader(address, port):
    """The shard's state (ready/drain) as its signal node's agent answers HAProxy; None if unknown."""
    def read():
        try:
            with socket.create_connection((address, port), timeout=HTTP_TIMEOUT) as conn:
                word = conn.makefile("r", encoding="ascii").readline().strip()
        except OSError:
            return None
        return word if word in ("ready", "drain") else None
    return read


class MetricsServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
        super().server_bind()


def serve_metrics(address, port, render):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path.split("?", 1)[0] != "/metrics":
                self.send_error(404)
                return
            data = render().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args):  # scrapes are not news
            pass

    server = MetricsServer((address, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(path):
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(levelname)s %(message)s")
    with open(path, encoding="utf-8") as handle:
        config = json.load(handle)
    lock = threading.Lock()
    scaler = Autoscaler(config, providers.provider(config), fetch_stats, graceful_shutdown,
                        shard_state_reader(config["shard_state"]["address"], config["shard_state"]["port"]),
                        time.monotonic, time.time)

    def render():
        with lock:
            return metrics.render(scaler)

    serve_metrics(config["metrics"]["address"], config["metrics"]["port"], render)
    logging.info("shard %s: %d bridges, min %d, max %d, band %s..%s, every %d s (%d in a row), cooldown %d s, "
                 "provider %s, metrics on %s:%d", config["shard"], len(config["bridges"]), config["min"],
                 config["max"], config["low"], config["high"], config["interval"], config["periods"],
                 config["cooldown"], config["provider"], config["metrics"]["address"], config["metrics"]["port"])
    while True:
        started = time.monotonic()
        with lock:
            scaler.step()
        time.sleep(max(0.0, config["interval"] - (time.monotonic() - started)))


if __name__ == "__main__":
    main(sys.argv[1])
