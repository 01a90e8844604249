"""The rolling upgrade's order: one serial batch per shard, the canary first."""

import pytest

from jitsi_upgrade import AnsibleFilterError, upgrade_plan

SHARDS = {
    "a": {"group": "shard_a", "bridges": [{"host": "a-jvb1"}, {"host": "a-jvb2"}]},
    "b": {"group": "shard_b", "bridges": [{"host": "b-jvb1"}]},
}


def test_one_batch_per_shard_in_the_order_given():
    assert upgrade_plan(["b", "a"], SHARDS) == {"pattern": "shard_b:shard_a", "batches": [2, 3]}


@pytest.mark.parametrize("order", [["c"], []])
def test_unknown_or_no_shard_is_refused(order):
    with pytest.raises(AnsibleFilterError, match="must list shards of this inventory \\(a, b\\)"):
        upgrade_plan(order, SHARDS)
