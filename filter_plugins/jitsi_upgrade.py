"""The rolling upgrade's plan: which shards, in which order, one serial batch each (pure, unit-tested)."""

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # unit tests run without Ansible
    AnsibleFilterError = ValueError


def upgrade_plan(order, shards):
    """{pattern, batches}: a host pattern of the shards' groups in `order` and, per shard, the
    number of its hosts (signal node + bridges), for `serial` to upgrade one shard at a time."""
    unknown = [name for name in order if name not in shards]
    if unknown or not order:
        raise AnsibleFilterError(
            f"jitsi_upgrade_order {list(order)!r} must list shards of this inventory "
            f"({', '.join(sorted(shards))}), the first being the canary; unknown: {', '.join(unknown) or 'none given'}")
    return {
        "pattern": ":".join(shards[name]["group"] for name in order),
        "batches": [1 + len(shards[name]["bridges"]) for name in order],
    }


class FilterModule:
    def filters(self):
        return {"jitsi_upgrade_plan": upgrade_plan}
