"""What apt has to do, read from one dpkg-query (pure).

The apt module opens the whole package cache to find out that nothing is to be done: about a
second per host and task, most of a warm run's time. Each role reads the state of its own
packages with one dpkg-query (`query_argv`) instead and calls apt only for what is missing.

Wanted packages are "name" (any version) or "name=version" (pinned). A Jitsi package installed
at another version than its pin is drift, not something to install: versions move only in the
rolling upgrade, behind a drain (playbooks/rolling-upgrade.yml).
"""

DPKG_FORMAT = "${Package}\\t${Version}\\t${db:Status-Abbrev}\\n"


def _state(dpkg_output):
    """{name: (version, installed)}: every package dpkg knows beyond config files.

    db:Status-Abbrev is want/state/error; the state letter `i` is installed (held packages are
    "hi"), H/U/F/W/t are on disk but not fully configured, n/c are not on disk.
    """
    found = {}
    for line in (dpkg_output or "").splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and len(fields[2]) >= 2 and fields[2][1] not in "nc":
            found[fields[0]] = (fields[1], fields[2][1] == "i")
    return found


def _split(spec):
    if not isinstance(spec, str) or not spec or spec.startswith("="):
        raise ValueError(f"packages: {spec!r} is not 'name' or 'name=version'")
    name, _, version = spec.partition("=")
    return name, version


def missing(dpkg_output, wanted):
    """The wanted specs dpkg does not have: absent, not fully configured, or at another version."""
    state = _state(dpkg_output)
    out = []
    for spec in wanted:
        name, version = _split(spec)
        have, installed = state.get(name, (None, False))
        if not installed or (version and have != version):
            out.append(spec)
    return out


def drift(dpkg_output, wanted):
    """[{package, installed, wanted}] for pinned packages on disk at another version (a failed
    upgrade's half-configured package included)."""
    state = _state(dpkg_output)
    out = []
    for spec in wanted:
        name, version = _split(spec)
        if version and name in state and state[name][0] != version:
            out.append({"package": name, "installed": state[name][0], "wanted": version})
    return out


def installed_version(dpkg_output, name):
    """The version of name dpkg has on disk, or '' (to compare with a source's release line)."""
    return _state(dpkg_output).get(name, ("", False))[0]


def query_argv(wanted):
    """argv of the dpkg-query that `missing` and `drift` read (exit 1 when one is unknown)."""
    return ["dpkg-query", "-W", "-f", DPKG_FORMAT, *[_split(spec)[0] for spec in wanted]]


def pinned(name, version):
    """'name=version', or 'name' when version is empty (the newest)."""
    return f"{name}={version}" if version else name


class FilterModule:
    def filters(self):
        return {
            "jitsi_packages_query_argv": query_argv,
            "jitsi_packages_missing": missing,
            "jitsi_packages_drift": drift,
            "jitsi_package_pin": pinned,
            "jitsi_packages_version": installed_version,
        }
