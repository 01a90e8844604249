"""The front door's plan: one HAProxy server per shard, the HAProxy peers (pure, unit-tested)."""


def front_servers(shards, region=""):
    """One server per shard: name, the signal node's address, region, backup; sorted by shard name.

    `backup` marks the shards outside the node's region (none when it has no region): HAProxy
    sends new rooms to its region's shards while one is up and not drained, else to all the
    others (option allbackups). Sticky rooms stay where they are either way."""
    return [
        {"name": f"shard_{name}", "shard": name, "address": shard["signal_address"], "region": shard["region"],
         "backup": bool(region) and shard["region"] != region}
        for name, shard in sorted(shards.items())
        if shard.get("signal_address")
    ]


def front_peers(hosts, hostvars):
    """HAProxy peers sharing the stick table: every front node, by inventory name."""
    return [
        {"name": host, "address": str(hostvars[host].get("jitsi_haproxy_peer_address") or hostvars[host].get("ansible_host") or host)}
        for host in sorted(hosts)
    ]


def haproxy_server_status(stat_csv, backend, server, whole=False):
    """First word of a server's status in HAProxy's `show stat` CSV ("" when it is not there).

    HAProxy 2.6 prints e.g. "UP", "UP 1/2" (going down), "DOWN", "DRAIN (agent)", "MAINT",
    "no check"; the first word is what the playbooks wait for. With `whole`, the whole status:
    "UP" alone is up with no failed check counted against it, where "UP 1/5" is on its way down.
    """
    lines = (stat_csv or "").splitlines()
    if not lines or not lines[0].startswith("# "):
        return ""
    header = lines[0][2:].split(",")
    try:
        px, sv, st = header.index("pxname"), header.index("svname"), header.index("status")
    except ValueError:
        return ""
    for line in lines[1:]:
        fields = line.split(",")
        if len(fields) > st and fields[px] == backend and fields[sv] == server:
            status = fields[st].strip().upper()
            return status if whole else (status.split() or [""])[0]
    return ""


class FilterModule:
    def filters(self):
        return {
            "jitsi_front_servers": front_servers,
            "jitsi_front_peers": front_peers,
            "jitsi_haproxy_server_status": haproxy_server_status,
        }
