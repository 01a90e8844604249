"""Every role's user knobs (defaults/main.yml) are documented by its argument spec, with the
same defaults, and the spec documents nothing the role does not have."""

import pathlib

import pytest
import yaml

ROLES = pathlib.Path(__file__).resolve().parents[2] / "roles"


def _roles():
    return sorted(p.name for p in ROLES.iterdir() if (p / "defaults" / "main.yml").exists())


def _spec(role):
    specs = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    # roles/jitsi has no tasks: its entry point is `shared` (checked once per run by jitsi_validate).
    return specs["shared" if role == "jitsi" else "main"]["options"]


@pytest.mark.parametrize("role", _roles())
def test_spec_matches_defaults(role):
    defaults = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text()) or {}
    assert (ROLES / role / "meta" / "argument_specs.yml").exists(), f"roles/{role} has no meta/argument_specs.yml"
    spec = _spec(role)
    assert not set(defaults) - set(spec), f"roles/{role}: undocumented knobs {sorted(set(defaults) - set(spec))}"
    documented_only = {name for name, option in spec.items() if name not in defaults and not option.get("required")}
    documented_only -= {"jitsi_secret_seed"}  # has no default on purpose: it must come from the vault
    assert not documented_only, f"roles/{role}: spec documents knobs without a default {sorted(documented_only)}"
    for name, value in defaults.items():
        if "{{" in str(value):
            continue  # computed from other settings
        assert spec[name].get("default") == value, f"roles/{role}: {name} defaults to {value!r}, spec says {spec[name].get('default')!r}"
