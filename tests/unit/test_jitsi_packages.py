import shutil
import subprocess

import pytest

import jitsi_packages as pk

DPKG = (
    "nginx\t1.22.1-9\tii \n"
    "jitsi-videobridge2\t2.3-9002-g1b2c3d4e5-1\thi \n"  # held
    "jicofo\t1.0-9003-1\tiF \n"       # half configured (its postinst failed)
    "prosody\t0.12.3-1\trc \n"        # removed, config files left
)


def test_nothing_missing_when_everything_is_installed():
    assert pk.missing(DPKG, ["nginx", "jitsi-videobridge2=2.3-9002-g1b2c3d4e5-1"]) == []


def test_unknown_removed_and_half_installed_packages_are_missing():
    assert pk.missing(DPKG, ["haproxy", "prosody", "jicofo=1.0-9003-1"]) == ["haproxy", "prosody", "jicofo=1.0-9003-1"]


def test_another_version_than_the_pin_is_missing_and_drift():
    wanted = ["jitsi-videobridge2=2.3-9001-g0a1b2c3d4-1", "nginx"]
    assert pk.missing(DPKG, wanted) == ["jitsi-videobridge2=2.3-9001-g0a1b2c3d4-1"]
    assert pk.drift(DPKG, wanted) == [
        {"package": "jitsi-videobridge2", "installed": "2.3-9002-g1b2c3d4e5-1", "wanted": "2.3-9001-g0a1b2c3d4-1"}]


def test_no_drift_without_a_pin_or_for_a_package_not_on_disk():
    assert pk.drift(DPKG, ["jitsi-videobridge2", "haproxy=2.6", "prosody=0.12.4-1"]) == []


def test_a_failed_upgrade_half_configured_at_another_version_is_drift():
    assert pk.drift(DPKG, ["jicofo=1.0-9002-1"]) == [{"package": "jicofo", "installed": "1.0-9003-1", "wanted": "1.0-9002-1"}]


def test_empty_output_means_everything_is_missing():
    assert pk.missing("", ["a", "b=1"]) == ["a", "b=1"]
    assert pk.missing(None, ["a"]) == ["a"]


@pytest.mark.parametrize("spec", ["", "=1.0", None])
def test_bad_specs_are_refused(spec):
    with pytest.raises(ValueError):
        pk.missing(DPKG, [spec])


def test_pin():
    assert pk.pinned("jicofo", "1.0-9001-1") == "jicofo=1.0-9001-1"
    assert pk.pinned("jicofo", "") == "jicofo"


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg-query")
def test_real_dpkg_query_output_is_read():
    argv = pk.query_argv(["dpkg", "no-such-package-jitsi-shards=1"])
    assert argv[-2:] == ["dpkg", "no-such-package-jitsi-shards"]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert result.returncode == 1  # one is unknown: the tasks accept rc 1
    assert pk.missing(result.stdout, ["dpkg", "no-such-package-jitsi-shards=1"]) == ["no-such-package-jitsi-shards=1"]


def test_installed_version_is_what_dpkg_has_on_disk():
    assert pk.installed_version(DPKG, "nginx") == "1.22.1-9"
    assert pk.installed_version(DPKG, "jicofo") == "1.0-9003-1"  # half configured, still on disk
    assert pk.installed_version(DPKG, "prosody") == ""            # config files only
    assert pk.installed_version(DPKG, "haproxy") == ""
