"""Planning cost of the filter plugins on synthetic inventories of 100, 1,000 and 5,000 hosts.

Two parts, as Ansible runs them:
- the cluster plan, computed once per run: shard table, inventory validation, every shard's
  bridge pool, overlay validation and addresses, HAProxy servers;
- the member plans, one per overlay member (each host computes its own in set_fact): its
  WireGuard peers and VXLAN FDB, in `region` scope (two regions). Their total grows with
  members x peers, which is what they produce.
Wall time, peak memory (tracemalloc) and output size per size; growth = time ratio divided
by output ratio between consecutive sizes (1.0 = linear in what is produced).
"""

import importlib.util
import json
import pathlib
import sys
import time
import tracemalloc

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULTS = {"pool_size": 20, "region": "default"}
SIZES = [(5, 19), (50, 19), (250, 19)]  # shards x bridges: 100, 1,000 and 5,000 cluster hosts


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "filter_plugins" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


inv, ov, front = _load("jitsi_inventory"), _load("jitsi_overlay"), _load("jitsi_front")


def inventory(shards, bridges):
    groups = {"signal": [], "jvb": [], "shards": [], "haproxy": []}
    hostvars = {}
    for s in range(shards):
        name = f"s{s:04d}"
        members = [f"{name}-signal"] + [f"{name}-jvb{b + 1:02d}" for b in range(bridges)]
        groups[f"shard_{name}"] = members
        groups["shards"].append(f"shard_{name}")
        groups["signal"].append(members[0])
        groups["jvb"] += members[1:]
        for host in members:
            hostvars[host] = {"jitsi_shard_region": "eu" if s % 2 else "us", "jitsi_overlay_index": len(hostvars) + 1,
                              "jitsi_overlay_underlay": f"192.0.2.{s % 250}", "jitsi_wireguard_public_key": "K" * 43 + "="}
    return groups, hostvars


def cluster_plan(groups, hostvars):
    table = inv.shard_table(groups, hostvars, DEFAULTS)
    assert not inv.inventory_errors(groups, hostvars, DEFAULTS, True)
    pools = [inv.bridge_pool(n, s["pool_size"], "meet.example.org", "seed") for n, s in table.items()]
    members = ov.members(groups, ["signal", "jvb"])
    cidrs = {"jitsi_overlay_wg_cidr": "10.96.0.0/12", "jitsi_overlay_cidr": "10.112.0.0/12"}
    assert not ov.overlay_errors(members, hostvars, cidrs)
    plan = ov.addresses(members, hostvars, cidrs["jitsi_overlay_wg_cidr"], cidrs["jitsi_overlay_cidr"])
    servers = front.front_servers(table)
    return (members, plan, ov.regions(members, hostvars)), len(table) + sum(map(len, pools)) + len(plan) + len(servers)


def member_plans(members, plan, regions, hostvars):
    produced = 0
    for host in members:
        peers = ov.peers(host, members, regions, "region")
        produced += len(ov.fdb(host, peers, plan)) + len(ov.wireguard_peers(peers, plan, hostvars, 51820))
    return produced


def timed(fn, *args):
    """Time a plain run (tracemalloc slows Python down severalfold), then measure peak memory
    in a second run."""
    start = time.perf_counter()
    result = fn(*args)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def run():
    rows = []
    for shards, bridges in SIZES:
        groups, hostvars = inventory(shards, bridges)
        (shared, produced), seconds, peak = timed(cluster_plan, groups, hostvars)
        rows.append({"part": "cluster plan", "hosts": len(hostvars), "seconds": seconds, "peak_mib": peak, "produced": produced})
        produced, seconds, peak = timed(member_plans, *shared, hostvars)
        rows.append({"part": "member plans", "hosts": len(hostvars), "seconds": seconds, "peak_mib": peak, "produced": produced})
    for part in ("cluster plan", "member plans"):
        mine = [r for r in rows if r["part"] == part]
        for before, after in zip(mine, mine[1:]):
            after["growth"] = (after["seconds"] / before["seconds"]) / (after["produced"] / before["produced"])
    return rows


def main(out):
    rows = run()
    print(f"{'part':<13} {'hosts':>6} {'seconds':>8} {'peak MiB':>9} {'produced':>11} {'growth':>7}")
    for r in rows:
        growth = f"{r['growth']:.2f}" if "growth" in r else ""
        print(f"{r['part']:<13} {r['hosts']:>6} {r['seconds']:>8.3f} {r['peak_mib']:>9.1f} {r['produced']:>11} {growth:>7}")
    pathlib.Path(out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".cache/bench/planning.json")
