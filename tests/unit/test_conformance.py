"""The jvb.conf and jicofo.conf the roles write conform to upstream Jitsi, for every inventory.

tests/conformance/render.yml renders both files for each inventory the project ships (the
inventories/ and the molecule scenarios that deploy the roles) with the roles' own facts tasks
and templates, touching no host. Every key must exist upstream (tests/data/upstream), and the
settings the toolkit's behaviour depends on are pinned.
"""

import collections
import json
import os
import pathlib
import string
import subprocess
import sys

import pytest
import yaml

from jitsi_standin import hocon

ROOT = pathlib.Path(__file__).resolve().parents[2]
UPSTREAM = ROOT / "tests" / "data" / "upstream"
RENDER = ROOT / "tests" / "conformance" / "render.yml"
FILES = ("jvb.conf", "jicofo.conf")
# The roles whose files are checked; a molecule scenario is covered when it converges with them.
ROLES = {"jitsi_videobridge", "jitsi_jicofo"}
# Every secret derives from these: fixed, so runs are reproducible, and never a real seed.
SEEDS = {"JITSI_SHARDS_LAB_SEED": "conformance-lab-seed", "JITSI_SHARDS_TEST_SEED": "conformance-test-seed"}
# Inventory path and extra arguments of each inventory the project ships.
INVENTORIES = {
    "inventories/lab": ("inventories/lab", []),
    # The seed lives in a vault the repository does not have.
    "inventories/example": ("inventories/example", ["-e", "vault_jitsi_secret_seed=example-only"]),
}
# Fields of each MUC client (jicoco's MucClientConfiguration); the client's name is free.
MUC_CLIENTS = ("videobridge", "apis", "xmpp-client", "configs")
MUC_CLIENT_FIELDS = {
    "hostname", "port", "domain", "username", "password", "muc_jids", "muc_nickname",
    "disable_certificate_verification",
}


def _keys(*names):
    return frozenset(line.strip() for name in names for line in (UPSTREAM / name).read_text().splitlines()
                     if line.strip())


# jvb.conf is the bridge's whole configuration: ice4j reads its keys from the same file.
UPSTREAM_KEYS = {"jvb.conf": _keys("jvb-keys.txt", "ice4j-keys.txt"), "jicofo.conf": _keys("jicofo-keys.txt")}


def leaves(tree, prefix=()):
    """Paths (tuples of keys) of every leaf of a parsed HOCON tree; a list is a leaf."""
    for key, value in tree.items():
        path = prefix + (key,)
        if isinstance(value, dict) and value:
            yield from leaves(value, path)
        else:
            yield path


def unknown_keys(name, text, source="<string>"):
    """Dotted keys of a rendered `name` (jvb.conf or jicofo.conf) that upstream does not define."""
    unknown = []
    for path in leaves(hocon.loads(text, source=source)):
        muc_client_field = len(path) == 6 and path[:4] == MUC_CLIENTS and path[5] in MUC_CLIENT_FIELDS
        if not (name == "jvb.conf" and muc_client_field) and ".".join(path) not in UPSTREAM_KEYS[name]:
            unknown.append(".".join(path))
    return sorted(unknown)


def jvb_problems(tree, public_address):
    """What is wrong with the behaviour-bearing settings of a parsed jvb.conf."""
    problems = [
        f"{key} is {hocon.get(tree, key)!r}, not true"
        for key in ("videobridge.apis.rest.enabled", "videobridge.rest.shutdown.enabled", "videobridge.relay.enabled")
        if hocon.get(tree, key) is not True
    ]
    if hocon.get(tree, "videobridge.octo") is not None:
        problems.append("videobridge.octo is set: upstream reads octo.enabled before relay.enabled (RelayConfig.kt)")
    if hocon.get(tree, "videobridge.ice.tcp") is not None:
        problems.append("videobridge.ice.tcp is set: ICE/TCP was removed from jitsi-videobridge in 2024")
    if not isinstance(hocon.get(tree, "videobridge.health.require-valid-address"), bool):
        problems.append("videobridge.health.require-valid-address is not set to true or false")
    if public_address:
        mappings = hocon.get(tree, "ice4j.harvest.mapping.static-mappings", [])
        if not any(isinstance(m, dict) and m.get("local-address") and m.get("public-address") == public_address
                   for m in mappings):
            problems.append(f"no ice4j.harvest.mapping.static-mappings entry maps a non-empty local-address to "
                            f"the inventory's jitsi_videobridge_public_address {public_address} (found {mappings!r})")
    return problems


def jicofo_problems(tree, domain, health_port):
    """What is wrong with the behaviour-bearing settings of a parsed jicofo.conf."""
    expected = {
        "jicofo.health.enabled": True,
        "jicofo.octo.enabled": True,
        "jicofo.xmpp.client.client-proxy": f"focus.{domain}",
    }
    problems = [f"{key} is {hocon.get(tree, key)!r}, not {value!r}"
                for key, value in expected.items() if hocon.get(tree, key) != value]
    trusted = hocon.get(tree, "jicofo.xmpp.trusted-domains")
    if not isinstance(trusted, list):
        problems.append(f"jicofo.xmpp.trusted-domains is {trusted!r}, not a list")
    rest_port = hocon.get(tree, "jicofo.rest.port")
    if rest_port != int(health_port):
        problems.append(f"jicofo.rest.port is {rest_port!r} but HAProxy health-checks port {health_port} (jitsi_jicofo_rest_port)")
    return problems


def _applies_roles(playbook):
    """Whether a playbook, following import_playbook, applies one of ROLES in a play's roles."""
    for play in yaml.safe_load(playbook.read_text()) or []:
        imported = play.get("ansible.builtin.import_playbook") or play.get("import_playbook")
        if imported and _applies_roles(playbook.parent / imported):
            return True
        if any((r.get("role") if isinstance(r, dict) else r) in ROLES for r in play.get("roles", [])):
            return True
    return False


SCENARIOS = sorted(path.parent.name for path in ROOT.glob("molecule/*/converge.yml") if _applies_roles(path))
CASES = sorted(INVENTORIES) + [f"molecule/{scenario}" for scenario in SCENARIOS]


def _write_yaml(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))


def molecule_inventory(scenario, directory):
    """Writes the inventory molecule makes for `scenario` into `directory`; returns provisioner.env."""
    scenario_dir = ROOT / "molecule" / scenario
    text = string.Template((scenario_dir / "molecule.yml").read_text()).substitute({**os.environ, **SEEDS})
    config = yaml.safe_load(text)
    # Platforms become hosts of the groups they name (molecule's ansible_inventory.yml).
    generated = collections.defaultdict(lambda: {"hosts": {}})
    for platform in config.get("platforms", []):
        generated["all"]["hosts"][platform["name"]] = {}
        for group in platform.get("groups", ["ungrouped"]):
            generated[group]["hosts"][platform["name"]] = {}
    _write_yaml(directory / "ansible_inventory.yml", dict(generated))
    provisioner = config.get("provisioner", {})
    inventory = provisioner.get("inventory", {})
    if inventory.get("links"):
        for name, source in inventory["links"].items():
            (directory / name).symlink_to((scenario_dir / source).resolve())
    else:
        if inventory.get("hosts"):
            _write_yaml(directory / "hosts", inventory["hosts"])
        for kind in ("group_vars", "host_vars"):
            for name, content in inventory.get(kind, {}).items():
                _write_yaml(directory / kind / name, content)
    return provisioner.get("env", {})


def _refuse_dependencies_that_would_run_here():
    """render.yml includes the roles' facts tasks, and with them the roles' dependencies, on this machine."""
    for role in sorted(ROLES):
        meta = yaml.safe_load((ROOT / "roles" / role / "meta" / "main.yml").read_text())
        for dependency in meta.get("dependencies") or []:
            name = dependency["role"] if isinstance(dependency, dict) else dependency
            if name != "jitsi" and not (RENDER.parent / "roles" / name).is_dir():
                pytest.fail(f"roles/{role} depends on {name}, which render.yml would run on this machine: "
                            f"add a stub role tests/conformance/roles/{name} that changes nothing")


Render = collections.namedtuple("Render", "returncode log hosts")


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """Every case rendered, all at once: case -> Render(returncode, log, {host: rendered})."""
    _refuse_dependencies_that_would_run_here()
    runs = {}
    for case in CASES:
        work = tmp_path_factory.mktemp(case.replace("/", "-"))
        if case in INVENTORIES:
            (inventory, args), env = INVENTORIES[case], {}
        else:
            inventory, args = work / "inventory", []
            env = molecule_inventory(case.split("/", 1)[1], work / "inventory")
        env = {**os.environ, **SEEDS, **env, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
               "ANSIBLE_CACHE_PLUGIN": "ansible.builtin.memory", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}
        command = [pathlib.Path(sys.executable).with_name("ansible-playbook"), "-i", inventory, RENDER,
                   "-e", f"conformance_out={work / 'rendered.json'}", *args]
        process = subprocess.Popen(command, cwd=ROOT, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        runs[case] = (process, work / "rendered.json")
    results = {}
    for case, (process, out) in runs.items():
        log = process.communicate(timeout=300)[0]
        hosts = json.loads(out.read_text()) if out.exists() else []
        results[case] = Render(process.returncode, log, {h["host"]: h for h in hosts})
    return results


def _essentials(log):
    """Ansible's output without the lines of tasks that went well."""
    noise = ("ok: [", "skipping: [", "included: ", "changed: [", "TASK [", "PLAY [")
    return "\n".join(line for line in log.splitlines() if line.strip() and not line.startswith(noise))


def _files(rendered, case):
    """(host, file name, text, rendered entry) of every file rendered for `case`; each kind at least once."""
    render = rendered[case]
    found = [(host, name, entry[name], entry) for host, entry in sorted(render.hosts.items()) for name in FILES
             if entry[name] is not None]
    missing = set(FILES) - {name for _, name, _, _ in found}
    assert not missing, f"{case}: no {' and no '.join(sorted(missing))} rendered:\n{_essentials(render.log)}"
    return found


def test_molecule_scenarios_are_found():
    assert SCENARIOS, "no molecule scenario converges with jitsi_videobridge or jitsi_jicofo: is _applies_roles broken?"


@pytest.mark.parametrize("case", CASES)
def test_render_succeeds(rendered, case):
    assert rendered[case].returncode == 0, f"{case}: render.yml failed:\n{_essentials(rendered[case].log)}"


@pytest.mark.parametrize("case", CASES)
def test_every_key_exists_upstream(rendered, case):
    problems = [f"{case}: {host}: {name}: {key} is no upstream key"
                for host, name, text, _ in _files(rendered, case)
                for key in unknown_keys(name, text, source=f"{case}: {host}: {name}")]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", CASES)
def test_behaviour_bearing_settings_are_pinned(rendered, case):
    problems = []
    for host, name, text, entry in _files(rendered, case):
        tree = hocon.loads(text, source=f"{case}: {host}: {name}")
        if name == "jvb.conf":
            found = jvb_problems(tree, entry["public_address"])
        else:
            found = jicofo_problems(tree, entry["domain"], entry["jicofo_rest_port"])
        problems += [f"{case}: {host}: {name}: {problem}" for problem in found]
    assert not problems, "\n".join(problems)


def test_checker_names_keys_upstream_lacks():
    text = 'videobridge {\n  octo { bind-port = 4096 }\n  ice.tcp.port = 4443\n  relay.enabled = true\n}\n'
    assert unknown_keys("jvb.conf", text) == ["videobridge.ice.tcp.port", "videobridge.octo.bind-port"]
    text = "jicofo.octo.bind-port = 4096\njicofo.octo.enabled = true\n"
    assert unknown_keys("jicofo.conf", text) == ["jicofo.octo.bind-port"]


def test_checker_allows_muc_client_fields_and_list_values_in_jvb_conf_only():
    text = ('videobridge.apis.xmpp-client.configs."shard_a" { hostname = "a", muc_jids = "b", bogus = 1 }\n'
            'ice4j.harvest.mapping.static-mappings = [{ name = "public", local-address = "10.0.0.1" }]\n')
    assert unknown_keys("jvb.conf", text) == ["videobridge.apis.xmpp-client.configs.shard_a.bogus"]
    assert "videobridge.apis.xmpp-client.configs.shard_a.hostname" in unknown_keys("jicofo.conf", text)


def test_pins_name_what_is_wrong():
    jvb = hocon.loads('videobridge { octo.enabled = true\n relay.enabled = false\n ice.tcp.port = 4443 }')
    problems = "\n".join(jvb_problems(jvb, "203.0.113.10"))
    for expected in ("videobridge.apis.rest.enabled", "videobridge.relay.enabled is False", "videobridge.octo is set",
                     "videobridge.ice.tcp is set", "require-valid-address", "203.0.113.10"):
        assert expected in problems
    jicofo = hocon.loads('jicofo { rest.port = 8889\n xmpp.client.client-proxy = "focus.other.test" }')
    problems = "\n".join(jicofo_problems(jicofo, "meet.test", 8888))
    for expected in ("jicofo.health.enabled", "jicofo.octo.enabled", "focus.meet.test", "trusted-domains", "port 8888"):
        assert expected in problems
