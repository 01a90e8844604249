"""The front door's servers (one per shard) and peers (every HAProxy node)."""


import jitsi_front as front


def test_one_server_per_shard_with_region_sorted():
    shards = {
        "b": {"signal_address": "10.0.0.2", "region": "us"},
        "a": {"signal_address": "signal-a", "region": "eu"},
        "empty": {"signal_address": None, "region": "eu"},
    }
    assert front.front_servers(shards) == [
        {"name": "shard_a", "shard": "a", "address": "signal-a", "region": "eu", "backup": False},
        {"name": "shard_b", "shard": "b", "address": "10.0.0.2", "region": "us", "backup": False},
    ]


def test_shards_outside_the_nodes_region_are_backups():
    shards = {"a": {"signal_address": "10.0.0.1", "region": "eu"}, "b": {"signal_address": "10.0.0.2", "region": "us"},
              "c": {"signal_address": "10.0.0.3", "region": "eu"}}
    assert [(s["name"], s["backup"]) for s in front.front_servers(shards, "eu")] == [
        ("shard_a", False), ("shard_b", True), ("shard_c", False)]
    assert [s["backup"] for s in front.front_servers(shards, "us")] == [True, False, True]
    # A node in a region without shards (it has bridges there): every shard is a backup, all used.
    assert [s["backup"] for s in front.front_servers(shards, "ap")] == [True, True, True]


def test_peers_by_inventory_name_with_address_override():
    hostvars = {"h2": {"ansible_host": "192.0.2.2"}, "h1": {"jitsi_haproxy_peer_address": "10.1.0.1", "ansible_host": "x"}}
    assert front.front_peers(["h2", "h1"], hostvars) == [
        {"name": "h1", "address": "10.1.0.1"},
        {"name": "h2", "address": "192.0.2.2"},
    ]


# `show stat -1 4 -1` of HAProxy 2.6.12 (Debian 12), cut to the columns that matter here.
STAT = """# pxname,svname,qcur,status,weight
jitsi_shards,shard_a,0,DRAIN (agent),1
jitsi_shards,shard_b,0,UP 1/2,1
other,shard_a,0,MAINT,1
"""


def test_server_status_is_the_first_word_of_its_row():
    assert front.haproxy_server_status(STAT, "jitsi_shards", "shard_a") == "DRAIN"
    assert front.haproxy_server_status(STAT, "jitsi_shards", "shard_b") == "UP"
    assert front.haproxy_server_status(STAT, "other", "shard_a") == "MAINT"


def test_the_whole_status_tells_a_clean_up_from_one_going_down():
    # The rolling upgrade's undrain waits for a clean "UP": "UP 1/2" still counts failed checks.
    assert front.haproxy_server_status(STAT, "jitsi_shards", "shard_b", whole=True) == "UP 1/2"
    assert front.haproxy_server_status(STAT.replace("UP 1/2", "UP"), "jitsi_shards", "shard_b", whole=True) == "UP"
    assert front.haproxy_server_status(STAT, "jitsi_shards", "shard_a", whole=True) == "DRAIN (AGENT)"


def test_server_status_of_an_unknown_server_or_bad_output_is_empty():
    assert front.haproxy_server_status(STAT, "jitsi_shards", "shard_c") == ""
    assert front.haproxy_server_status("Unknown command\n", "jitsi_shards", "shard_a") == ""
    assert front.haproxy_server_status("", "jitsi_shards", "shard_a") == ""
