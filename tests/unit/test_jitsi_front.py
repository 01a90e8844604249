"""The front door's servers (one per shard) and peers (every HAProxy node)."""


import jitsi_front as front


def test_one_server_per_shard_with_region_sorted():
    shards = {
        "b": {"signal_address": "10.0.0.2", "region": "us"},
        "a": {"signal_address": "signal-a", "region": "eu"},
        "empty": {"signal_address": None, "region": "eu"},
    }
    assert front.front_servers(shards) == [
        {"name": "shard_a", "shard": "a", "address": "signal-a", "region": "eu"},
        {"name": "shard_b", "shard": "b", "address": "10.0.0.2", "region": "us"},
    ]


def test_peers_by_inventory_name_with_address_override():
    hostvars = {"h2": {"ansible_host": "192.0.2.2"}, "h1": {"jitsi_haproxy_peer_address": "10.1.0.1", "ansible_host": "x"}}
    assert front.front_peers(["h2", "h1"], hostvars) == [
        {"name": "h1", "address": "10.1.0.1"},
        {"name": "h2", "address": "192.0.2.2"},
    ]
