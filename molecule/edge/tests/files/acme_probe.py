"""HTTPS probe of the HAProxy nodes while the ACME certificate is renewed (molecule edge).

Usage: acme_probe.py SECONDS SNI ADDRESS...  One new TCP+TLS connection per request (what a new
visitor makes), GET / with the SNI's Host, round robin over the addresses, until SECONDS have
passed. A request fails when the connection, the handshake or the response fails, or the status
is 5xx. Prints one JSON object: per address the requests, failures (the first ones in full),
statuses, and the served certificates' SHA-256 fingerprints in the order they were first seen.
"""

import hashlib
import json
import socket
import ssl
import sys
import time


def once(address, sni):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the certificate is compared, not trusted, here
    with socket.create_connection((address, 443), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=sni) as tls:
            fingerprint = hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()
            tls.sendall(f"GET / HTTP/1.1\r\nHost: {sni}\r\nConnection: close\r\n\r\n".encode())
            status_line = tls.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
    status = int(status_line.split()[1]) if status_line.startswith("HTTP/") else 0
    return fingerprint, status


def main(seconds, sni, addresses):
    report = {a: {"requests": 0, "failures": 0, "errors": [], "statuses": {}, "fingerprints": []} for a in addresses}
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        for address in addresses:
            node = report[address]
            node["requests"] += 1
            at = round(time.monotonic() - start, 3)
            try:
                fingerprint, status = once(address, sni)
            except (OSError, ssl.SSLError, ValueError, IndexError) as why:
                node["failures"] += 1
                node["errors"] = (node["errors"] + [f"{at}s: {why!r}"])[:10]
                continue
            node["statuses"][str(status)] = node["statuses"].get(str(status), 0) + 1
            if status == 0 or status >= 500:
                node["failures"] += 1
                node["errors"] = (node["errors"] + [f"{at}s: HTTP {status}"])[:10]
            if not node["fingerprints"] or node["fingerprints"][-1]["sha256"] != fingerprint:
                node["fingerprints"].append({"sha256": fingerprint, "first_seen": at})
        time.sleep(0.02)
    print(json.dumps(report))


if __name__ == "__main__":
    main(float(sys.argv[1]), sys.argv[2], sys.argv[3:])
