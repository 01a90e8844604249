"""Write a synthetic inventory of about N hosts for timing the playbooks (no host is contacted).

Shards of 1 signal node + 19 bridges in two regions, 3 HAProxy nodes, the overlay on: the shape
of a large deployment. Every host is `ansible_connection: local`, so nothing connects anywhere;
validate.yml runs its checks and plans on the controller only.

    python3 tests/bench/inventory.py 1000 out.yml     # prints the number of hosts written
"""

import sys

import yaml

BRIDGES_PER_SHARD = 19


def inventory(hosts):
    shards = max(1, round((hosts - 3) / (BRIDGES_PER_SHARD + 1)))
    children = {"haproxy": {"hosts": {f"lb{i}.bench.test": {} for i in range(1, 4)}},
                "signal": {"hosts": {}}, "jvb": {"hosts": {}}, "shards": {"children": {}}}
    for s in range(shards):
        name = f"s{s:04d}"
        signal = f"{name}-signal.bench.test"
        bridges = [f"{name}-jvb{b:02d}.bench.test" for b in range(1, BRIDGES_PER_SHARD + 1)]
        # Explicit overlay numbers: derived ones collide by chance at this size (README: Overlay).
        first = 1 + s * (BRIDGES_PER_SHARD + 1)
        children["signal"]["hosts"][signal] = {"jitsi_overlay_index": first}
        children["jvb"]["hosts"].update({b: {"jitsi_overlay_index": first + i} for i, b in enumerate(bridges, start=1)})
        children["shards"]["children"][f"shard_{name}"] = {
            "hosts": {h: {} for h in [signal, *bridges]},
            "vars": {"jitsi_shard_region": "eu" if s % 2 else "us"},
        }
    return {"all": {"vars": {"ansible_connection": "local", "jitsi_secret_seed": "bench-only",
                             "jitsi_bridge_pool_size": 20,
                             "jitsi_overlay_wg_cidr": "10.96.0.0/12", "jitsi_overlay_cidr": "10.112.0.0/12"},
                    "children": children}}


def main():
    """Write the inventory; print how many hosts it has."""
    hosts, path = int(sys.argv[1]), sys.argv[2]
    data = inventory(hosts)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    children = data["all"]["children"]
    print(sum(len(children[group]["hosts"]) for group in ("haproxy", "signal", "jvb")))


if __name__ == "__main__":
    main()
