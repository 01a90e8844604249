"""Bridge autoscaling inside each shard's fixed pool: settings, checks, and the service's config.

Pure functions over the shard table and plain mappings, unit-tested in
tests/unit/test_jitsi_autoscale.py. `jitsi_autoscale` is a shard setting (a mapping, merged over
the role default in roles/jitsi/defaults/main.yml); `jitsi_bridge_standby` marks the bridges
site.yml provisions with their service stopped, for the autoscaler to start.
"""

import re
import string

PROVIDERS = ("systemd", "command")
# What a `command` provider's templates may name ({host} etc.), each shell-quoted when filled in.
COMMAND_FIELDS = ("host", "address", "overlay_address", "slot", "shard")
_NUMBER_KEYS = ("min", "max", "interval", "periods", "cooldown", "start_timeout")
_FRACTION_KEYS = ("high", "low")
_DIGITS = re.compile(r"[0-9]+")


def _whole(value):
    """An int for a whole number (digit strings count, as -e passes them), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    return None


def _fraction(value):
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def settings(raw, defaults):
    """The shard's settings: `raw` (its jitsi_autoscale, may be partial or None) over the defaults."""
    merged = dict(defaults or {})
    merged.update(raw or {})
    return merged


def _fields(template):
    try:
        return [name for _, name, _, _ in string.Formatter().parse(str(template)) if name is not None]
    except ValueError:
        return None


def _setting_errors(group, cfg):
    where = f"group {group}: jitsi_autoscale"
    errors = []
    if not isinstance(cfg.get("enabled", False), bool):
        errors.append(f"{where}.enabled is {cfg.get('enabled')!r}; set true or false.")
    for key in _NUMBER_KEYS:
        value = _whole(cfg.get(key))
        minimum = 0 if key in ("min", "cooldown") else 1
        if value is None or value < minimum:
            errors.append(f"{where}.{key} is {cfg.get(key)!r}; set a whole number of at least {minimum}.")
    for key in _FRACTION_KEYS:
        value = _fraction(cfg.get(key))
        if value is None or value < 0:
            errors.append(f"{where}.{key} is {cfg.get(key)!r}; set a stress level (0.0 and up; 1.0 is the bridge's "
                          f"load threshold).")
    if cfg.get("provider") not in PROVIDERS:
        errors.append(f"{where}.provider is {cfg.get('provider')!r}; set one of {', '.join(PROVIDERS)}.")
    return errors


def _command_errors(group, cfg):
    commands = cfg.get("commands")
    where = f"group {group}: jitsi_autoscale.commands"
    if not isinstance(commands, dict):
        return [f"{where} is {commands!r}; the command provider needs a mapping with start and stop, e.g. "
                f"{{start: 'ipmitool -H {{host}}-ipmi chassis power on', stop: '...power soft'}}."]
    errors = []
    for action in ("start", "stop"):
        template = commands.get(action)
        if not isinstance(template, str) or not template.strip():
            errors.append(f"{where}.{action} is not set: the command provider needs the command that "
                          f"{'powers on / starts' if action == 'start' else 'powers off / stops'} a bridge's host "
                          f"(fields: {', '.join('{' + f + '}' for f in COMMAND_FIELDS)}).")
            continue
        names = _fields(template)
        unknown = sorted(set(names or []) - set(COMMAND_FIELDS)) if names is not None else ["(unbalanced braces)"]
        if unknown:
            errors.append(f"{where}.{action} names {', '.join(unknown)}; the fields are "
                          f"{', '.join('{' + f + '}' for f in COMMAND_FIELDS)} (write {{{{ and }}}} for braces).")
    return errors


def _count_errors(shard, cfg):
    group = shard["group"]
    lo, hi = _whole(cfg["min"]), _whole(cfg["max"])
    high, low = _fraction(cfg["high"]), _fraction(cfg["low"])
    pool = shard["pool_size"]
    standby = [b["host"] for b in shard["bridges"] if b.get("standby")]
    running = len(shard["bridges"]) - len(standby)
    errors = []
    if lo > hi:
        errors.append(f"group {group}: jitsi_autoscale.min ({lo}) is above jitsi_autoscale.max ({hi}); "
                      f"lower min or raise max.")
    if isinstance(pool, int) and hi > pool:
        errors.append(f"group {group}: jitsi_autoscale.max ({hi}) is above jitsi_bridge_pool_size ({pool}): the "
                      f"autoscaler stays inside the pool; lower max or raise the pool size.")
    if high <= low:
        errors.append(f"group {group}: jitsi_autoscale.high ({high}) must be above jitsi_autoscale.low ({low}) "
                      f"(the band between them is the hysteresis); raise high or lower low.")
    if hi > running and not standby:
        errors.append(f"group {group}: jitsi_autoscale.max is {hi} but {running} bridge"
                      f"{'' if running == 1 else 's'} run and none is a standby: mark bridges of {group} with "
                      f"jitsi_bridge_standby: true (site.yml provisions them stopped) or lower max to {running}.")
    elif hi > len(shard["bridges"]):
        errors.append(f"group {group}: jitsi_autoscale.max ({hi}) is above its {len(shard['bridges'])} bridges "
                      f"(running and standby): add standby bridges (jitsi_bridge_standby: true) or lower max.")
    return errors


def autoscale_errors(shards, groups, snapshot, members):
    """Every problem of the autoscaling settings, each naming the group/host, the variable and the fix.

    shards: the shard table (autoscale settings merged, see shard_table in jitsi_inventory);
    members: the overlay's members (the autoscaler talks to its bridges and serves its metrics
    over the overlay).
    """
    errors = []
    everyone = set(groups.get("all", []))
    for name, shard in sorted(shards.items()):
        cfg = shard["autoscale"]
        standby = [b["host"] for b in shard["bridges"] if b.get("standby")]
        if not isinstance(cfg, dict):
            errors.append(f"group {shard['group']}: jitsi_autoscale is {cfg!r}; set a mapping (enabled, min, max, "
                          f"high, low, interval, periods, cooldown, provider), see roles/jitsi/defaults/main.yml.")
            continue
        if cfg.get("enabled") is not True:
            if standby:
                errors.append(f"hosts {', '.join(standby)}: jitsi_bridge_standby is true but jitsi_autoscale.enabled "
                              f"is not true for {shard['group']}: nothing would ever start them. Enable autoscaling "
                              f"for {shard['group']} or remove jitsi_bridge_standby.")
            errors += [e for e in _setting_errors(shard["group"], cfg) if ".enabled " in e]
            continue
        problems = _setting_errors(shard["group"], cfg)
        if not problems:
            if cfg["provider"] == "command":
                problems += _command_errors(shard["group"], cfg)
            problems += _count_errors(shard, cfg)
        host = cfg.get("host") or shard["signal"]
        if cfg.get("host") and cfg["host"] not in everyone:
            problems.append(f"group {shard['group']}: jitsi_autoscale.host {cfg['host']!r} is no host of the "
                            f"inventory; name one (it runs the shard's autoscaler) or leave it empty for the "
                            f"signal node.")
        elif cfg.get("host") and cfg["host"] in [b["host"] for b in shard["bridges"]]:
            problems.append(f"group {shard['group']}: jitsi_autoscale.host is {host}, one of the bridges it "
                            f"starts and stops; name another host or leave it empty for the signal node.")
        elif host and host not in members:
            problems.append(f"group {shard['group']}: jitsi_autoscale.host is {host}, which is no overlay member "
                            f"(jitsi_overlay_member_groups): the autoscaler reaches its bridges and serves its "
                            f"metrics over the overlay; add {host} to one of those groups or name a member.")
        errors += problems
    for host, values in sorted(snapshot.items()):
        flag = values.get("jitsi_bridge_standby")
        if flag is not None and not isinstance(flag, bool):
            errors.append(f"host {host}: jitsi_bridge_standby is {flag!r}; set true or false.")
        elif flag and host not in set(groups.get("jvb", [])):
            errors.append(f"host {host}: jitsi_bridge_standby is set on a host outside group jvb; only bridges "
                          f"can be standby.")
    return errors


def autoscaler_hosts(shards):
    """{host: [shard names]} of every host that runs autoscalers (the signal node unless named)."""
    found = {}
    for name, shard in sorted(shards.items()):
        cfg = shard.get("autoscale") or {}
        if cfg.get("enabled") is True:
            found.setdefault(cfg.get("host") or shard["signal"], []).append(name)
    return found


def autoscaled_bridges(shards):
    """{bridge host: its autoscaler's host} for every bridge of an autoscaled shard."""
    found = {}
    for shard in shards.values():
        cfg = shard.get("autoscale") or {}
        if cfg.get("enabled") is True:
            for bridge in shard["bridges"]:
                found[bridge["host"]] = cfg.get("host") or shard["signal"]
    return found


def service_config(shard, plan, underlay, ports, paths):
    """What one shard's autoscaler reads (/etc/jitsi-shards/autoscaler/<shard>.json).

    plan: the overlay plan ({host: {wg, vx}}); underlay: {bridge host: address the cluster reaches
    it at}, from jitsi_host_address, the one way a host's address is computed (no fallback here);
    ports: {rest, shard_state, metrics}; paths: {key, known_hosts, state, power_user}.
    """
    cfg = shard["autoscale"]
    host = cfg.get("host") or shard["signal"]
    return {
        "shard": shard["name"],
        "min": _whole(cfg["min"]), "max": _whole(cfg["max"]),
        "high": _fraction(cfg["high"]), "low": _fraction(cfg["low"]),
        "interval": _whole(cfg["interval"]), "periods": _whole(cfg["periods"]),
        "cooldown": _whole(cfg["cooldown"]), "start_timeout": _whole(cfg["start_timeout"]),
        "provider": cfg["provider"],
        "commands": dict(cfg.get("commands") or {}) if cfg["provider"] == "command" else {},
        "ssh": {"user": paths["power_user"], "key": paths["key"], "known_hosts": paths["known_hosts"]},
        "state_file": paths["state"],
        "metrics": {"address": plan[host]["vx"], "port": int(ports["metrics"])},
        "shard_state": {"address": shard["signal_address"] if host != shard["signal"] else "127.0.0.1",
                        "port": int(ports["shard_state"])},
        "bridges": [{"host": b["host"], "slot": b["slot"], "slot_name": b["slot_name"],
                     "address": underlay[b["host"]], "overlay_address": plan[b["host"]]["vx"],
                     "rest_port": int(ports["rest"])} for b in shard["bridges"]],
    }


class FilterModule:
    def filters(self):
        return {
            "jitsi_autoscaler_hosts": autoscaler_hosts,
            "jitsi_autoscaled_bridges": autoscaled_bridges,
            "jitsi_autoscaler_config": service_config,
        }
