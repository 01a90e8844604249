"""ACME certificates for the public names (roles/jitsi_acme), pure and unit-tested.

One HAProxy node (the ACME host) runs certbot; every HAProxy node routes HTTP-01 challenges to
it, so the CA may reach whichever node DNS gives it. The checks here run once per run in the
cluster plan (roles/jitsi_validate) and name the variable to fix.
"""

import importlib.util
import ipaddress
import pathlib
import re
import sys

# A lowercase DNS label; names are compared lower-cased (DNS is case-insensitive, certificates
# carry them in lower case).
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def _hosts_entries():
    # The address filter lives in a sibling plugin module; loaded once under a fixed name.
    key = "jitsi_shards_filter_hosts_entries"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, pathlib.Path(__file__).with_name("hosts_entries.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[key] = module
    return sys.modules[key]


def acme_host(haproxy_hosts, explicit=""):
    """The ACME host: `explicit` (jitsi_acme_host), else the first HAProxy node by name ('' without one)."""
    if explicit:
        return str(explicit)
    hosts = sorted(haproxy_hosts or [])
    return hosts[0] if hosts else ""


def _name_error(name, domain):
    """Why `name` cannot be in the certificate, or None."""
    if not isinstance(name, str) or not name:
        return f"{name!r} is not a DNS name"
    if name.startswith("*."):
        return (f"{name!r} is a wildcard: HTTP-01 (the only challenge this role answers) cannot validate wildcards; "
                f"list each name instead")
    try:
        ipaddress.ip_address(name)
        return f"{name!r} is an IP address: list DNS names that resolve to the HAProxy nodes"
    except ValueError:
        pass
    labels = name.rstrip(".").split(".")
    if name != name.lower() or len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or len(name) > 253:
        return f"{name!r} is not a lowercase fully qualified DNS name (e.g. turn.{acme_zone(domain)})"
    zone = acme_zone(domain)
    if name != zone and not name.endswith("." + zone):
        return (f"{name!r} is outside {zone}, the zone of jitsi_domain ({domain}): the CA checks each name over HTTP "
                f"on the HAProxy nodes, so list only names whose DNS you control and point at them")
    return None


def acme_zone(domain):
    """The zone whose names the operator is taken to control: jitsi_domain's parent (meet.example.org ->
    example.org, so turn.example.org qualifies), or jitsi_domain itself when it has only two labels."""
    labels = str(domain).split(".")
    return ".".join(labels[1:]) if len(labels) > 2 else str(domain)


def acme_errors(settings):
    """Every problem with the ACME settings, one message each naming the variable and the fix.

    settings: enabled, host, haproxy (the group's hosts), names, domain, directory_url, email,
    ca_bundle, http_port, haproxy_certificate (jitsi_haproxy_ssl_certificate).
    """
    if settings.get("enabled") is not True:
        if settings.get("enabled") not in (False, None):
            return [f"jitsi_acme_enabled is {settings.get('enabled')!r}: set it to true or false."]
        return []
    errors = []
    haproxy = sorted(settings.get("haproxy") or [])
    host = settings.get("host") or ""
    domain = settings.get("domain") or ""
    if not haproxy:
        errors.append("jitsi_acme_enabled is true but group haproxy is empty: the HTTP-01 challenge is answered "
                      "through HAProxy; add HAProxy nodes or set jitsi_acme_enabled: false.")
    elif host and host not in haproxy:
        errors.append(f"jitsi_acme_host is {host!r}, which is not in group haproxy ({', '.join(haproxy)}): set it to "
                      f"one of them, or leave it empty for the first ({haproxy[0]}).")
    url = settings.get("directory_url") or ""
    if not isinstance(url, str) or not url.startswith("https://") or len(url) <= len("https://"):
        errors.append(f"jitsi_acme_directory_url is {url!r}: set the ACME directory URL of your CA (https://...), "
                      f"e.g. https://acme-v02.api.letsencrypt.org/directory.")
    email = settings.get("email") or ""
    if not isinstance(email, str) or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        errors.append(f"jitsi_acme_email is {email!r}: set the address the CA sends expiry and account notices to.")
    names = settings.get("names")
    if not isinstance(names, (list, tuple)) or not names:
        errors.append(f"jitsi_acme_names is {names!r}: set a list of DNS names, jitsi_domain ({domain}) first.")
    else:
        for name in names:
            problem = _name_error(name, domain)
            if problem:
                errors.append(f"jitsi_acme_names: {problem}.")
        seen = [n for i, n in enumerate(names) if n in names[:i]]
        if seen:
            errors.append(f"jitsi_acme_names lists {', '.join(map(str, sorted(set(seen))))} more than once: list each name once.")
        if names[0] != domain:
            errors.append(f"jitsi_acme_names starts with {names[0]!r}: put jitsi_domain ({domain}) first, the "
                          f"name HAProxy serves and the certificate's file name.")
    bundle = settings.get("ca_bundle") or ""
    if bundle and "-----BEGIN CERTIFICATE-----" not in str(bundle):
        errors.append("jitsi_acme_ca_bundle holds no PEM certificate: set it to the PEM text of the CA that signs "
                      "the ACME server's HTTPS certificate (e.g. lookup('ansible.builtin.file', 'ca.pem')), or leave it empty.")
    port = settings.get("http_port")
    if not str(port).isdigit() or not 1024 <= int(port) <= 65535:
        errors.append(f"jitsi_acme_http_port is {port!r}: set a free unprivileged port (1024-65535) for certbot's "
                      f"challenge server on the ACME host's loopback.")
    if settings.get("haproxy_certificate"):
        errors.append("jitsi_acme_enabled is true and jitsi_haproxy_ssl_certificate is set: HAProxy serves one "
                      "certificate; unset jitsi_haproxy_ssl_certificate, or set jitsi_acme_enabled: false.")
    return errors


def acme_certonly_argv(names, directory_url, email, http_port, key_type, deploy_hook):
    """argv of the first issuance (or a change of names or CA) with certbot's standalone server.

    It listens on the loopback only, during the challenge; HAProxy forwards the CA's request to it.
    certbot records these settings in the lineage's renewal file, so renewals reuse them. Run only
    when a new certificate is due (acme_needs_issue), hence --force-renewal: without it certbot
    keeps an existing lineage with the same names ("not yet due"), even one from another CA.
    """
    argv = ["certbot", "certonly", "--non-interactive", "--agree-tos", "--force-renewal", "--email", email,
            "--server", directory_url, "--cert-name", names[0],
            "--standalone", "--http-01-address", "127.0.0.1", "--http-01-port", str(int(http_port)),
            "--key-type", key_type, "--deploy-hook", deploy_hook]
    for name in names:
        argv += ["--domain", name]
    return argv


def acme_san_names(openssl_output):
    """The DNS names of `openssl x509 -noout -ext subjectAltName` output, sorted."""
    return sorted(set(re.findall(r"DNS:([^,\s]+)", openssl_output or "")))


def acme_renewal_server(renewal_conf):
    """The `server` certbot records in a lineage's renewal file ('' when none)."""
    for line in (renewal_conf or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "server":
            return value.strip()
    return ""


def acme_needs_issue(current_names, current_server, names, directory_url):
    """True when the lineage is missing or was issued for other names or by another CA."""
    return sorted(set(current_names or [])) != sorted(set(names)) or (current_server or "") != directory_url


def acme_peer_list(peers, hostvars):
    """[{name, address}] of the nodes the ACME host pushes to, by the address the cluster uses."""
    return [{"name": host, "address": _hosts_entries().host_address(host, hostvars)} for host in sorted(peers)]


class FilterModule:
    def filters(self):
        return {
            "jitsi_acme_host": acme_host,
            "jitsi_acme_errors": acme_errors,
            "jitsi_acme_certonly_argv": acme_certonly_argv,
            "jitsi_acme_san_names": acme_san_names,
            "jitsi_acme_renewal_server": acme_renewal_server,
            "jitsi_acme_needs_issue": acme_needs_issue,
            "jitsi_acme_peer_list": acme_peer_list,
        }
