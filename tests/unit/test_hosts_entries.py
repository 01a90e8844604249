
import pytest

import hosts_entries


def _facts(ip):
    return {"ansible_facts": {"default_ipv4": {"address": ip}}}


def test_one_setting_then_the_default_route():
    # ansible_host is how the controller connects (it may be a public or jump address), not
    # where the cluster's hosts reach each other: only jitsi_host_address overrides the facts.
    hostvars = {
        "a": {"jitsi_host_address": "10.0.0.9", "ansible_host": "10.0.0.1", **_facts("10.0.0.2")},
        "b": {"ansible_host": "203.0.113.3", **_facts("10.0.0.4")},
    }
    assert hosts_entries.host_address("a", hostvars) == "10.0.0.9"
    assert hosts_entries.host_address("b", hostvars) == "10.0.0.4"


def test_entries_sorted_unique_with_short_names():
    groups = {"signal": ["eu1-signal.example.org"], "jvb": ["eu1-jvb2", "eu1-jvb1"], "haproxy": []}
    hostvars = {
        "eu1-signal.example.org": _facts("10.0.0.1"),
        "eu1-jvb1": _facts("10.0.0.2"),
        "eu1-jvb2": _facts("10.0.0.3"),
    }
    entries = hosts_entries.hosts_entries(groups, hostvars, ["signal", "jvb", "jvb", "missing"])
    assert entries == [
        {"address": "10.0.0.2", "names": ["eu1-jvb1"]},
        {"address": "10.0.0.3", "names": ["eu1-jvb2"]},
        {"address": "10.0.0.1", "names": ["eu1-signal.example.org", "eu1-signal"]},
    ]


def test_missing_address_names_host_and_fix():
    with pytest.raises(hosts_entries.AnsibleFilterError, match=r"host lb1: .*Set jitsi_host_address for lb1"):
        hosts_entries.host_address("lb1", {"lb1": {"ansible_host": "lb1.example.org"}})
