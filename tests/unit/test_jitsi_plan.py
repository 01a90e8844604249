"""The cluster plan validate.yml computes once per run: checks, shard table, overlay plan."""

import jitsi_plan

SETTINGS = {"defaults": {"pool_size": 4, "region": "default"}, "seed_defined": True, "member_groups": ["signal", "jvb"],
            "cidrs": {"jitsi_overlay_wg_cidr": "10.98.0.0/24", "jitsi_overlay_cidr": "10.99.0.0/24"}}


def _inventory():
    groups = {"all": ["lb1", "a-signal", "a-jvb1", "a-jvb2"], "haproxy": ["lb1"], "signal": ["a-signal"],
              "jvb": ["a-jvb1", "a-jvb2"], "shards": ["a-signal", "a-jvb1", "a-jvb2"],
              "shard_a": ["a-signal", "a-jvb1", "a-jvb2"]}
    hostvars = {h: {"jitsi_shard_region": "eu"} for h in groups["shard_a"]}
    hostvars["lb1"] = {}
    return groups, hostvars


def test_plan_of_a_valid_inventory():
    plan = jitsi_plan.cluster_plan(*_inventory(), SETTINGS)
    assert plan["errors"] == []
    assert [b["slot_name"] for b in plan["shards"]["a"]["bridges"]] == ["jvb-01", "jvb-02"]
    assert plan["host_shards"] == {"a-signal": "a", "a-jvb1": "a", "a-jvb2": "a"}
    assert plan["overlay"]["members"] == ["a-jvb1", "a-jvb2", "a-signal"]
    assert set(plan["overlay"]["plan"]) == set(plan["overlay"]["members"])
    assert plan["overlay"]["regions"] == {"a-jvb1": "eu", "a-jvb2": "eu", "a-signal": "eu"}


def test_shard_and_overlay_problems_are_reported_together_before_any_plan():
    groups, hostvars = _inventory()
    hostvars["a-jvb2"]["jitsi_bridge_slot"] = 9
    hostvars["a-jvb1"]["jitsi_overlay_index"] = 999
    plan = jitsi_plan.cluster_plan(groups, hostvars, dict(SETTINGS, seed_defined=False))
    assert set(plan) == {"errors"}
    assert len(plan["errors"]) == 3
    assert any("jitsi_secret_seed is not set" in e for e in plan["errors"])
    assert any("jitsi_bridge_slot 9 is outside the pool" in e for e in plan["errors"])
    assert any("a-jvb1: jitsi_overlay_index = 999" in e for e in plan["errors"])
