"""A run: participants arrive at a fixed rate up to each ramp step, hold, get measured."""

import asyncio
import datetime
import resource
import ssl
import time

from . import faults, stats
from .participant import Participant, Recorder, Settings
from .report import progress_line
from .sampler import Sampler


def parse_front(text, default_port=443):
    """'host[:port]' -> (host, port)."""
    host, sep, port = text.rpartition(":")
    return (host, int(port)) if sep and port.isdigit() else (text, default_port)


def ssl_context(verify, cafile):
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=cafile)


def raise_file_limit():
    """One socket per participant: lift the soft open-files limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def summarize_step(recorder, samples, index, target, start, joined, end):
    """One ramp step's figures from the records taken between start and end."""
    joins = [j for j in recorder.joins if j["step"] == index and not j["reconnect"]]
    errors = [e for e in recorder.errors if e["step"] == index]
    attempts = len(joins) + len(errors)
    cpu = stats.mean_cpu(samples, start, end)
    shards = {}
    for _, shard, delta in recorder.events:
        shards[shard] = shards.get(shard, 0) + delta
    return {"step": index + 1, "target": target, "concurrent": stats.concurrency_at(recorder.events, end),
            "attempts": attempts, "joins": len(joins), "errors": len(errors),
            "error_rate": len(errors) / attempts if attempts else 0.0,
            "joins_per_s": round(len(joins) / max(joined - start, 1e-6), 2),
            "latency": stats.latency_summary(joins), "cpu": {k: round(v, 1) for k, v in cpu.items()},
            "busiest": stats.busiest(cpu), "shards": {str(k): v for k, v in shards.items() if v},
            "window": [round(start, 2), round(end, 2)]}


async def settle(recorder, started, limit):
    """Until every participant started so far has finished its first join attempt."""
    deadline = time.monotonic() + limit
    while recorder.settled < started and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def run(opts):
    """Run the load described by the parsed command line; the result as the JSON report holds it."""
    raise_file_limit()
    origin = time.monotonic()
    started_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    settings = Settings(domain=opts.domain, fronts=[parse_front(f) for f in opts.front],
                        ssl_context=ssl_context(opts.verify, opts.cafile), timeout=opts.timeout,
                        presence_every=opts.presence_every, chat_every=opts.chat_every,
                        ping_every=opts.ping_every, region=opts.region)
    recorder = Recorder(origin)
    sampler = Sampler(opts.sample_host, origin, opts.sample_command, opts.sample_every)
    sampler.start()
    commands = faults.parse_commands(opts.fault_command)
    fault_log, all_joined = [], asyncio.Event()
    fault_tasks = [asyncio.ensure_future(faults.inject(f, faults.command_for(f, commands), origin, fault_log, all_joined))
                   for f in map(faults.parse_fault, opts.fault)]
    targets = opts.ramp or [opts.rooms * opts.per_room]
    stop, tasks, steps = asyncio.Event(), [], []
    for index, target in enumerate(targets):
        recorder.step, start = index, recorder.now()
        while len(tasks) < target:
            number = len(tasks) // opts.per_room
            # Rooms take the fronts in turn, each room's participants arriving at its front: fronts of
            # different regions prefer different shards, and a new room's participants arriving at two
            # of them within the peers' sync delay could pin it twice (README: Overlay and regions).
            participant = Participant(len(tasks), f"{opts.room_prefix}{number}", settings, recorder, front=number)
            tasks.append(asyncio.ensure_future(participant.live(stop)))
            await asyncio.sleep(1 / opts.arrival_rate)
        await settle(recorder, len(tasks), opts.timeout * 5)
        all_joined.set()
        joined = recorder.now()
        await asyncio.sleep(opts.hold)
        step = summarize_step(recorder, sampler.records, index, target, start, joined, recorder.now())
        step["ok"], step["reason"] = stats.step_verdict(step, opts.p95_limit, opts.max_error_rate)
        steps.append(step)
        print(progress_line(step, len(targets)), flush=True)
        if opts.ramp and not step["ok"]:
            break
    stop.set()
    await asyncio.gather(*tasks)
    sampler.stop()
    for task in fault_tasks:
        task.cancel()
    return result(opts, started_at, recorder, sampler, steps, fault_log)


def result(opts, started_at, recorder, sampler, steps, fault_log):
    """The whole run as one JSON-ready dict: summary figures first, raw series for the plots after."""
    errors = {}
    for e in recorder.errors:
        key = f"{e['phase']}/{e['kind']}"
        errors[key] = errors.get(key, 0) + 1
    per_shard = {}
    for j in recorder.joins:
        if not j["reconnect"]:
            per_shard[str(j["shard"])] = per_shard.get(str(j["shard"]), 0) + 1
    violations = stats.stickiness_violations({room: [str(s) for s in shards]
                                              for room, shards in recorder.room_shards.items()})
    return {
        "started": started_at, "duration_s": recorder.now(),
        "options": {k: v for k, v in vars(opts).items() if k not in ("json", "html", "from_json")},
        "steps": steps, "capacity": stats.capacity(steps) if opts.ramp else None,
        "participants": len(recorder.joins) - sum(j["reconnect"] for j in recorder.joins),
        "latency": stats.latency_summary(recorder.joins),
        "errors": errors, "error_samples": recorder.errors[:50],
        "per_shard": per_shard, "rooms": len(recorder.room_shards),
        "stickiness_violations": violations,
        "reconnects": recorder.reconnects, "failovers": recorder.failovers,
        "faults": fault_log, "sampler_failures": sampler.failures,
        "series": {"joins": recorder.joins, "events": recorder.events, "samples": sampler.records},
    }
