"""ACME settings (roles/jitsi_acme): validation, certbot's argv, when to issue, where to push."""

import pytest

import jitsi_acme
import jitsi_plan

GOOD = {"enabled": True, "host": "", "haproxy": ["lb2", "lb1"], "names": ["meet.example.org", "turn.meet.example.org"],
        "domain": "meet.example.org", "directory_url": "https://acme-v02.api.letsencrypt.org/directory",
        "email": "ops@example.org", "ca_bundle": "", "http_port": 8402, "haproxy_certificate": ""}


def errors(**changes):
    return jitsi_acme.acme_errors(dict(GOOD, **changes))


def test_good_settings_and_disabled_acme_pass():
    assert errors() == []
    assert errors(enabled=False, directory_url="", email="", names=[]) == []


def test_names_in_jitsi_domains_zone_pass():
    assert errors(names=["meet.example.org", "turn.example.org", "a.b.example.org", "example.org"]) == []
    assert jitsi_acme.acme_zone("example.org") == "example.org"
    assert errors(domain="example.org", names=["example.org", "turn.example.org"]) == []
    assert errors(domain="example.org", names=["example.org", "org"]) != []


def test_acme_host_is_explicit_or_the_first_haproxy_node_by_name():
    assert jitsi_acme.acme_host(["lb2", "lb1"]) == "lb1"
    assert jitsi_acme.acme_host(["lb2", "lb1"], "lb2") == "lb2"
    assert jitsi_acme.acme_host([]) == ""


@pytest.mark.parametrize("changes, expected", [
    ({"directory_url": ""}, "jitsi_acme_directory_url is ''"),
    ({"directory_url": "http://ca.example/dir"}, "(https://...)"),
    ({"email": ""}, "jitsi_acme_email is ''"),
    ({"email": "ops"}, "jitsi_acme_email is 'ops'"),
    ({"haproxy": []}, "group haproxy is empty"),
    ({"host": "signal1"}, "jitsi_acme_host is 'signal1', which is not in group haproxy (lb1, lb2)"),
    ({"names": []}, "jitsi_acme_names is []"),
    ({"names": ["meet.example.org", "*.meet.example.org"]}, "is a wildcard"),
    ({"names": ["meet.example.org", "192.0.2.1"]}, "is an IP address"),
    ({"names": ["meet.example.org", "turn.other.example"]},
     "'turn.other.example' is outside example.org, the zone of jitsi_domain (meet.example.org)"),
    ({"names": ["meet.example.org", "turn.badexample.org"]}, "'turn.badexample.org' is outside example.org"),
    ({"names": ["meet.example.org", "example.com"]}, "'example.com' is outside example.org"),
    ({"names": ["meet.example.org", "Turn.meet.example.org"]}, "is not a lowercase fully qualified DNS name"),
    ({"names": ["meet.example.org", "meet.example.org"]}, "lists meet.example.org more than once"),
    ({"names": ["turn.meet.example.org", "meet.example.org"]}, "put jitsi_domain (meet.example.org) first"),
    ({"ca_bundle": "not a pem"}, "jitsi_acme_ca_bundle holds no PEM certificate"),
    ({"http_port": 80}, "jitsi_acme_http_port is 80"),
    ({"haproxy_certificate": "/etc/ssl/x.pem"}, "jitsi_haproxy_ssl_certificate is set"),
    ({"enabled": "yes"}, "jitsi_acme_enabled is 'yes'"),
])
def test_each_problem_names_the_variable(changes, expected):
    found = errors(**changes)
    assert any(expected in e for e in found), found


def test_the_cluster_plan_reports_acme_problems_with_the_others():
    groups = {"all": ["lb1", "a-signal", "a-jvb1"], "haproxy": ["lb1"], "signal": ["a-signal"], "jvb": ["a-jvb1"],
              "shards": ["a-signal", "a-jvb1"], "shard_a": ["a-signal", "a-jvb1"]}
    settings = {"defaults": {"pool_size": 4, "region": "default"}, "seed_defined": True, "front_external": False,
                "member_groups": ["signal", "jvb"],
                "cidrs": {"jitsi_overlay_wg_cidr": "10.98.0.0/24", "jitsi_overlay_cidr": "10.99.0.0/24"},
                "acme": dict(GOOD, email="")}
    hostvars = {h: {} for h in groups["all"]}
    plan = jitsi_plan.cluster_plan(groups, hostvars, settings)
    assert any("jitsi_acme_email" in e for e in plan["errors"])
    settings["acme"] = dict(GOOD)
    assert jitsi_plan.cluster_plan(groups, hostvars, settings)["errors"] == []


def test_certonly_uses_the_loopback_standalone_server_and_the_deploy_hook():
    argv = jitsi_acme.acme_certonly_argv(GOOD["names"], GOOD["directory_url"], GOOD["email"], "8402", "ecdsa",
                                         "/usr/local/sbin/jitsi-shards-acme-push")
    assert argv[:2] == ["certbot", "certonly"]
    assert "--non-interactive" in argv and "--agree-tos" in argv
    # It runs only when a new certificate is due; certbot would keep a lineage of the same names.
    assert "--force-renewal" in argv
    joined = " ".join(argv)
    assert "--standalone --http-01-address 127.0.0.1 --http-01-port 8402" in joined
    assert "--cert-name meet.example.org" in joined
    assert "--deploy-hook /usr/local/sbin/jitsi-shards-acme-push" in joined
    assert joined.endswith("--domain meet.example.org --domain turn.meet.example.org")


def test_issue_only_for_a_missing_lineage_other_names_or_another_ca():
    out = "X509v3 Subject Alternative Name: \n    DNS:turn.meet.example.org, DNS:meet.example.org\n"
    names = jitsi_acme.acme_san_names(out)
    assert names == ["meet.example.org", "turn.meet.example.org"]
    server = jitsi_acme.acme_renewal_server("version = 2.1.0\n[renewalparams]\nserver = https://ca/dir\n")
    assert server == "https://ca/dir"
    assert not jitsi_acme.acme_needs_issue(names, server, ["meet.example.org", "turn.meet.example.org"], "https://ca/dir")
    assert jitsi_acme.acme_needs_issue(names, server, ["meet.example.org"], "https://ca/dir")
    assert jitsi_acme.acme_needs_issue(names, server, names, "https://other/dir")
    assert jitsi_acme.acme_needs_issue(jitsi_acme.acme_san_names(""), "", ["meet.example.org"], "https://ca/dir")


def test_peers_are_pushed_to_by_the_cluster_address():
    hostvars = {"lb2": {"jitsi_host_address": "192.0.2.2"}, "lb3": {"ansible_facts": {"default_ipv4": {"address": "192.0.2.3"}}}}
    assert jitsi_acme.acme_peer_list(["lb3", "lb2"], hostvars) == [
        {"name": "lb2", "address": "192.0.2.2"}, {"name": "lb3", "address": "192.0.2.3"}]
