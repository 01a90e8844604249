"""Autoscaling settings in the cluster plan: merged per shard, each problem named with its
variable, and what the service reads (filter_plugins/jitsi_autoscale.py)."""

import pytest
import yaml

import jitsi_autoscale
import jitsi_plan
from conftest import ROOT

DEFAULT = yaml.safe_load((ROOT / "roles/jitsi/defaults/main.yml").read_text())["jitsi_autoscale"]
SETTINGS = {"defaults": {"pool_size": 4, "region": "default", "autoscale": DEFAULT}, "seed_defined": True,
            "front_external": True, "member_groups": ["signal", "jvb"],
            "cidrs": {"jitsi_overlay_wg_cidr": "10.98.0.0/24", "jitsi_overlay_cidr": "10.99.0.0/24"}}


def _inventory(autoscale=None, standby=("a-jvb2", "a-jvb3")):
    hosts = ["a-signal", "a-jvb1", "a-jvb2", "a-jvb3"]
    groups = {"all": hosts + ["mon1"], "signal": ["a-signal"], "jvb": hosts[1:], "shards": hosts, "shard_a": hosts,
              "monitoring": ["mon1"]}
    hostvars = {h: {"jitsi_autoscale": autoscale} if autoscale is not None else {} for h in hosts}
    hostvars["mon1"] = {}
    for host in standby:
        hostvars[host]["jitsi_bridge_standby"] = True
    return groups, hostvars


ON = {"enabled": True, "min": 1, "max": 3}


def _errors(autoscale=None, **kw):
    return jitsi_plan.cluster_plan(*_inventory(autoscale, **kw), SETTINGS)["errors"]


def test_a_shard_sets_only_what_differs():
    plan = jitsi_plan.cluster_plan(*_inventory(ON), SETTINGS)
    assert plan["errors"] == []
    shard = plan["shards"]["a"]
    assert shard["autoscale"] == dict(DEFAULT, enabled=True, min=1, max=3)
    assert [b["standby"] for b in shard["bridges"]] == [False, True, True]
    assert jitsi_autoscale.autoscaler_hosts(plan["shards"]) == {"a-signal": ["a"]}
    assert jitsi_autoscale.autoscaled_bridges(plan["shards"]) == {f"a-jvb{n}": "a-signal" for n in (1, 2, 3)}


def test_disabled_by_default():
    plan = jitsi_plan.cluster_plan(*_inventory(standby=()), SETTINGS)
    assert plan["errors"] == [] and plan["shards"]["a"]["autoscale"]["enabled"] is False
    assert jitsi_autoscale.autoscaler_hosts(plan["shards"]) == {}


@pytest.mark.parametrize("change, expected", [
    ({"min": 3, "max": 2}, "group shard_a: jitsi_autoscale.min (3) is above jitsi_autoscale.max (2)"),
    ({"max": 5}, "group shard_a: jitsi_autoscale.max (5) is above jitsi_bridge_pool_size (4)"),
    ({"high": 0.3, "low": 0.3}, "group shard_a: jitsi_autoscale.high (0.3) must be above jitsi_autoscale.low (0.3)"),
    ({"provider": "command"}, "group shard_a: jitsi_autoscale.commands.start is not set: the command provider needs"),
    ({"provider": "command", "commands": "wake"}, "group shard_a: jitsi_autoscale.commands is 'wake'; the command provider"),
    ({"provider": "command", "commands": {"start": "wake {host}"}}, "jitsi_autoscale.commands.stop is not set"),
    ({"provider": "command", "commands": {"start": "wake {hots}", "stop": "x"}},
     "jitsi_autoscale.commands.start names hots; the fields are {host}"),
    ({"provider": "ssh"}, "jitsi_autoscale.provider is 'ssh'; set one of systemd, command"),
    ({"interval": 0}, "jitsi_autoscale.interval is 0; set a whole number of at least 1"),
    ({"high": "hot"}, "jitsi_autoscale.high is 'hot'; set a stress level"),
    ({"host": "nowhere"}, "jitsi_autoscale.host 'nowhere' is no host of the inventory"),
    ({"host": "a-jvb2"}, "jitsi_autoscale.host is a-jvb2, one of the bridges it starts and stops"),
    ({"host": "mon1"}, "jitsi_autoscale.host is mon1, which is no overlay member"),
])
def test_each_problem_names_its_variable(change, expected):
    errors = _errors(dict(ON, **change))
    assert any(e.startswith(expected) or expected in e for e in errors), errors


def test_max_above_running_needs_a_standby_host():
    (error,) = _errors(dict(ON, max=4), standby=())
    assert error.startswith("group shard_a: jitsi_autoscale.max is 4 but 3 bridges run and none is a standby: "
                            "mark bridges of shard_a with jitsi_bridge_standby: true")
    # Three bridges running, max 3: nothing to start, nothing missing.
    assert _errors(dict(ON, max=3), standby=()) == []
    (error,) = _errors(dict(ON, max=4), standby=("a-jvb3",))
    assert error.startswith("group shard_a: jitsi_autoscale.max (4) is above its 3 bridges (running and standby)")


def test_standby_needs_autoscaling_and_a_bridge():
    (error,) = _errors(standby=("a-jvb3",))
    assert error.startswith("hosts a-jvb3: jitsi_bridge_standby is true but jitsi_autoscale.enabled is not true "
                            "for shard_a")
    groups, hostvars = _inventory(ON)
    hostvars["a-signal"]["jitsi_bridge_standby"] = True
    assert "host a-signal: jitsi_bridge_standby is set on a host outside group jvb" in " ".join(
        jitsi_plan.cluster_plan(groups, hostvars, SETTINGS)["errors"])
    hostvars["a-signal"]["jitsi_bridge_standby"] = "yes"
    assert "host a-signal: jitsi_bridge_standby is 'yes'; set true or false." in \
        jitsi_plan.cluster_plan(groups, hostvars, SETTINGS)["errors"]


def test_not_a_mapping():
    (error,) = _errors("on", standby=())
    assert error.startswith("group shard_a: jitsi_autoscale is 'on'; set a mapping")


def test_service_config():
    plan = jitsi_plan.cluster_plan(*_inventory(dict(ON, interval="5")), SETTINGS)
    config = jitsi_autoscale.service_config(
        plan["shards"]["a"], plan["overlay"]["plan"],
        {b["host"]: f"192.0.2.{i}" for i, b in enumerate(plan["shards"]["a"]["bridges"], 1)},
        {"rest": 8080, "shard_state": "8889", "metrics": 9780},
        {"key": "/k", "known_hosts": "/kh", "state": "/s", "power_user": "jitsi-autoscale"})
    assert config["interval"] == 5 and config["min"] == 1 and config["max"] == 3 and config["commands"] == {}
    assert config["metrics"] == {"address": plan["overlay"]["plan"]["a-signal"]["vx"], "port": 9780}
    # On the signal node the shard's state agent is asked locally.
    assert config["shard_state"] == {"address": "127.0.0.1", "port": 8889}
    first = config["bridges"][0]
    assert first["host"] == "a-jvb1" and first["address"] == "192.0.2.1" and first["rest_port"] == 8080
    assert first["overlay_address"] == plan["overlay"]["plan"]["a-jvb1"]["vx"]
    assert config["ssh"] == {"user": "jitsi-autoscale", "key": "/k", "known_hosts": "/kh"}
