"""The front door's plan: one HAProxy server per shard, the HAProxy peers (pure, unit-tested)."""


def front_servers(shards):
    """One server per shard: name, the signal node's address, region; sorted by shard name."""
    return [
        {"name": f"shard_{name}", "shard": name, "address": shard["signal_address"], "region": shard["region"]}
        for name, shard in sorted(shards.items())
        if shard.get("signal_address")
    ]


def front_peers(hosts, hostvars):
    """HAProxy peers sharing the stick table: every front node, by inventory name."""
    return [
        {"name": host, "address": str(hostvars[host].get("jitsi_haproxy_peer_address") or hostvars[host].get("ansible_host") or host)}
        for host in sorted(hosts)
    ]


class FilterModule:
    def filters(self):
        return {"jitsi_front_servers": front_servers, "jitsi_front_peers": front_peers}
