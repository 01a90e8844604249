"""Command line: `jitsi-shards-loadtest --front HOST[:PORT] --domain DOMAIN ...` (see --help)."""

import argparse
import asyncio
import json
import sys
import uuid

from . import report
from .faults import KINDS
from .run import run
from .sampler import DEFAULT_COMMAND


def ramp(text):
    steps = [int(n) for n in text.split(",")]
    if any(b <= a for a, b in zip(steps, steps[1:])) or steps[0] < 1:
        raise argparse.ArgumentTypeError("ramp steps are rising participant counts, e.g. 50,100,200")
    return steps


def parser():
    p = argparse.ArgumentParser(prog="jitsi-shards-loadtest", description=__doc__)
    p.add_argument("--front", action="append", default=[], metavar="HOST[:PORT]",
                   help="an HAProxy node (or a shard's nginx); repeat it: participants go to each in turn")
    p.add_argument("--domain", help="the Jitsi domain (jitsi_domain)")
    p.add_argument("--rooms", type=int, default=10, help="rooms without --ramp (default 10)")
    p.add_argument("--per-room", type=int, default=10, help="participants per room (default 10)")
    p.add_argument("--room-prefix", default=f"load-{uuid.uuid4().hex[:6]}-", help="room names: PREFIX<n>")
    p.add_argument("--arrival-rate", type=float, default=10.0, help="joins started per second (default 10)")
    p.add_argument("--ramp", type=ramp, help="participants connected at each step, e.g. 50,100,200,400; "
                   "stops at the knee (participant n joins room n // per-room; --rooms is then unused)")
    p.add_argument("--hold", type=float, default=20.0, help="seconds each step holds once joined (default 20)")
    p.add_argument("--p95-limit", type=float, default=2.0, help="the knee: p95 join above this many seconds")
    p.add_argument("--max-error-rate", type=float, default=0.01, help="the knee: errors above this share (0.01)")
    p.add_argument("--timeout", type=float, default=15.0, help="seconds each join phase may take (default 15)")
    p.add_argument("--presence-every", type=float, default=30.0, help="seconds between a participant's presence "
                   "updates (0: none)")
    p.add_argument("--chat-every", type=float, default=60.0, help="seconds between a participant's chat messages")
    p.add_argument("--ping-every", type=float, default=10.0, help="XMPP keepalive, as lib-jitsi-meet (default 10)")
    p.add_argument("--region", help="the <region> participants announce (config.deploymentInfo.userRegion)")
    p.add_argument("--no-verify", dest="verify", action="store_false", help="do not verify TLS certificates")
    p.add_argument("--cafile", help="CA bundle to verify the fronts' certificates with")
    p.add_argument("--fault", action="append", default=[], metavar="KIND=NAME@SECONDS",
                   help=f"a fault part-way through ({', '.join(KINDS)}), e.g. stop-front=lab-haproxy1@60 (60 s "
                        "after the start) or @+5 (5 s after the first step's participants are all in)")
    p.add_argument("--fault-command", action="append", default=[], metavar="KIND=COMMAND",
                   help="the shell command of a fault kind, with {front} or {shard}, e.g. "
                   "'stop-front=docker stop {front}'")
    p.add_argument("--sample-host", action="append", default=[], metavar="HOST",
                   help="a host whose prosody, jicofo, nginx and haproxy CPU/RSS are sampled; repeat it")
    p.add_argument("--sample-command", default=DEFAULT_COMMAND,
                   help="shell template ({host}) printing '/proc/PID/stat|cmdline' lines (default: docker exec)")
    p.add_argument("--sample-every", type=float, default=2.0, help="seconds between samples (default 2)")
    p.add_argument("--json", help="write the JSON report here")
    p.add_argument("--html", help="write the HTML report here")
    p.add_argument("--from-json", metavar="FILE", help="no run: render --html from an earlier --json")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    if args.from_json:
        with open(args.from_json) as f:
            result = json.load(f)
    else:
        if not args.front or not args.domain:
            parser().error("--front and --domain are required (unless --from-json)")
        try:
            result = asyncio.run(run(args))
        except ValueError as exc:  # a malformed --fault or --fault-command
            parser().error(str(exc))
        print("\n".join(report.summary_lines(result)))
    if args.json and not args.from_json:
        report.write_json(result, args.json)
    if args.html:
        report.write_html(result, args.html)
    if args.from_json:
        return 0
    # A ramp runs into errors on purpose (the knee); a plain run must have none.
    failed = result["stickiness_violations"] or (result["errors"] and not result["options"].get("ramp"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
