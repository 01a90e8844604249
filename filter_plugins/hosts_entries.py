"""/etc/hosts entries for the cluster, computed from the inventory.

Pure functions: plain dicts in, plain lists out. Ansible's hostvars mapping works as
the `hostvars` argument because only the few keys needed are read.
"""

import ipaddress

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # unit tests run without Ansible
    AnsibleFilterError = ValueError


def _is_ip(value):
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return True


def host_address(host, hostvars):
    """The address other cluster hosts use for `host`.

    `common_address` wins, then `ansible_host` when it is an IP, then the default IPv4
    address from the host's facts (cached facts are enough).
    """
    hv = hostvars[host]
    if hv.get("common_address"):
        return str(hv["common_address"])
    if _is_ip(hv.get("ansible_host", "")):
        return str(hv["ansible_host"])
    facts = hv.get("ansible_facts") or {}
    address = (facts.get("default_ipv4") or {}).get("address")
    if address:
        return address
    raise AnsibleFilterError(
        f"host {host}: no address for /etc/hosts. Set common_address or ansible_host "
        f"to an IP address for {host}, or gather its facts in the same run."
    )


def hosts_entries(groups, hostvars, group_names):
    """One (address, names) line per host of `group_names`, sorted by hostname.

    Names are the inventory name and, for a dotted name, its first label.
    """
    hosts = sorted({h for g in group_names for h in groups.get(g, [])})
    entries = []
    for host in hosts:
        names = [host]
        short = host.split(".", 1)[0]
        if short != host:
            names.append(short)
        entries.append({"address": host_address(host, hostvars), "names": names})
    return entries


class FilterModule:
    def filters(self):
        return {"jitsi_hosts_entries": hosts_entries}
