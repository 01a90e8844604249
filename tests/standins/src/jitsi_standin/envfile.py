"""Read the shell-style environment files Jitsi's packages keep in /etc/jitsi/*/config."""

import shlex


class EnvFileError(ValueError):
    """A line that is not KEY=VALUE."""


def loads(text, source="<string>"):
    values = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):]
        key, sep, rest = line.partition("=")
        if not sep or not key.isidentifier():
            raise EnvFileError(f"{source}: line {number}: expected KEY=VALUE, got {raw!r}")
        try:
            words = shlex.split(rest, comments=True)
        except ValueError as exc:
            raise EnvFileError(f"{source}: line {number}: {exc}") from exc
        values[key] = " ".join(words)
    return values


def load(path):
    with open(path, encoding="utf-8") as handle:
        return loads(handle.read(), source=path)


def java_property(env, name, default=None):
    """The value of -D<name>=... in JAVA_SYS_PROPS (where the packages point at config files)."""
    for word in shlex.split(env.get("JAVA_SYS_PROPS", "")):
        if word.startswith(f"-D{name}="):
            return word.split("=", 1)[1]
    return default


def jvb_options(opts):
    """Parse JVB_OPTS (`--apis=rest,xmpp --subdomain=jvb-01`) into a dict."""
    parsed = {"apis": ["rest"], "subdomain": None}
    for word in shlex.split(opts or ""):
        if word.startswith("--apis="):
            parsed["apis"] = [a for a in word.split("=", 1)[1].split(",") if a]
        elif word.startswith("--subdomain="):
            parsed["subdomain"] = word.split("=", 1)[1]
    return parsed
