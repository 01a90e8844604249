"""The base OS (roles/common) on one lab host of each kind: tuning in effect, not only written down.

Runs in the cluster scenario: site.yml applies the role to all 8 hosts there, so a scenario of
its own would only converge the same role again on two more containers.
"""

import pytest

# One host of each kind: the role is the same on all 8, and each test costs a connection per host.
LAB = ("lab-haproxy1", "lab-a-signal", "lab-b-jvb2")
testinfra_hosts = [f"ansible://{name}" for name in LAB]


@pytest.mark.parametrize(
    "key,value",
    [
        ("net.core.somaxconn", "4096"),
        ("net.ipv4.tcp_max_syn_backlog", "4096"),
        ("net.ipv4.udp_rmem_min", "16384"),
        ("net.ipv4.udp_wmem_min", "16384"),
    ],
)
def test_netns_sysctl_in_effect(host, key, value):
    # Read back from the kernel, and persisted for the next boot.
    assert host.sysctl(key) == int(value)
    assert f"{key}={value}" in host.file("/etc/sysctl.d/60-jitsi-shards.conf").content_string.replace(" ", "")


def test_kernel_wide_sysctls_left_to_the_host_kernel(host):
    # A container shares the CI machine's kernel: the role must neither write nor apply
    # kernel-wide values there (fs.file-max would be accepted and change the machine).
    assert not host.file("/etc/sysctl.d/61-jitsi-shards-kernel.conf").exists


def test_systemd_default_limits_in_effect(host):
    out = host.check_output("systemctl show -p DefaultLimitNOFILE -p DefaultLimitNPROC -p DefaultTasksMax")
    assert "DefaultLimitNOFILE=65000" in out
    assert "DefaultLimitNPROC=65000" in out
    assert "DefaultTasksMax=65000" in out


@pytest.mark.parametrize("service", ["jicofo", "jitsi-videobridge2", "prosody"])
def test_service_limit_dropins(host, service):
    dropin = host.file(f"/etc/systemd/system/{service}.service.d/60-limits.conf")
    assert dropin.mode == 0o644
    content = dropin.content_string
    assert "LimitNOFILE=65000" in content
    assert "LimitNPROC=65000" in content
    assert "TasksMax=65000" in content


def test_dropin_applies_to_a_real_unit(host):
    # A throwaway unit picks up the same drop-in text the role writes for the Jitsi
    # services, proving systemd parses it.
    host.run("mkdir -p /etc/systemd/system/limits-probe.service.d")
    host.run("cp /etc/systemd/system/jicofo.service.d/60-limits.conf /etc/systemd/system/limits-probe.service.d/")
    host.run(
        "printf '[Service]\\nType=oneshot\\nExecStart=/bin/true\\n' > /etc/systemd/system/limits-probe.service"
    )
    host.run("systemctl daemon-reload")
    out = host.check_output("systemctl show limits-probe.service -p LimitNOFILE -p TasksMax")
    host.run("rm -rf /etc/systemd/system/limits-probe.service /etc/systemd/system/limits-probe.service.d")
    host.run("systemctl daemon-reload")
    assert "LimitNOFILE=65000" in out
    assert "TasksMax=65000" in out


def test_time_sync_enabled(host):
    assert host.package("systemd-timesyncd").is_installed
    assert host.service("systemd-timesyncd").is_enabled


def test_apt_policy(host):
    content = host.file("/etc/apt/apt.conf.d/60jitsi-shards").content_string
    assert 'APT::Install-Recommends "false";' in content


def test_cluster_names_resolve(host):
    for name in LAB:
        assert host.run(f"getent hosts {name}").rc == 0
        assert host.run(f"ping -c1 -W2 {name}").rc == 0
    hosts = host.file("/etc/hosts").content_string
    assert hosts.count("# BEGIN jitsi-shards cluster hosts") == 1
