"""Self-signed certificates for labs, made one way by every role that needs one (pure).

HAProxy, nginx and Prosody each fall back to a self-signed certificate when the operator gives
none. One recipe for all three: the same key type, lifetime and subjectAltName (clients and
Prosody's s2s/c2s checks look at the SAN, not the CN). 825 days is the longest lifetime
Apple's clients accept for a TLS server certificate. Made with the openssl CLI that Debian
ships on every host, so no Python crypto library is needed on the hosts.
"""

DAYS = 825


def self_signed_argv(names, key, cert, days=DAYS):
    """argv of `openssl req` making a self-signed key and certificate for names (CN = first)."""
    if isinstance(names, str):
        names = [names]
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"self-signed certificate: names must be non-empty strings, got {names!r}")
    if not key or not cert or key == cert:
        raise ValueError(f"self-signed certificate: key and certificate need two paths, got {key!r}, {cert!r}")
    san = ",".join(f"DNS:{name}" for name in names)
    return ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(int(days)),
            "-subj", f"/CN={names[0]}", "-addext", f"subjectAltName={san}", "-keyout", key, "-out", cert]


class FilterModule:
    def filters(self):
        return {"jitsi_self_signed_argv": self_signed_argv}
