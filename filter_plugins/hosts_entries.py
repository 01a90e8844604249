"""/etc/hosts entries for the cluster, computed from the inventory.

Pure functions: plain dicts in, plain lists out. Ansible's hostvars mapping works as
the `hostvars` argument because only the few keys needed are read.
"""

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # unit tests run without Ansible
    AnsibleFilterError = ValueError


def host_address(host, hostvars):
    """The address other cluster hosts use for `host`, computed one way everywhere: /etc/hosts
    here, and the overlay's underlay address (roles/jitsi_overlay, which publishes it for the
    firewall and WireGuard) through the filter `jitsi_host_address`.

    `jitsi_host_address` (the one address setting per host, roles/jitsi) wins, then the
    default IPv4 address from the host's facts (cached facts are enough).
    """
    hv = hostvars[host]
    if hv.get("jitsi_host_address"):
        return str(hv["jitsi_host_address"])
    facts = hv.get("ansible_facts") or {}
    address = (facts.get("default_ipv4") or {}).get("address")
    if address:
        return address
    raise AnsibleFilterError(
        f"host {host}: no address that other hosts reach it by (jitsi_host_address is not set, "
        f"and its facts have no default IPv4 address). "
        f"Set jitsi_host_address for {host} "
        f"(host var), or gather its facts in the same run."
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
        return {"jitsi_hosts_entries": hosts_entries, "jitsi_host_address": host_address}
