"""Shared start-up for the stand-in daemons: logging, config errors, signals, the main loop."""

import asyncio
import logging
import signal
import sys

from .config import ConfigError
from .hocon import HoconError

log = logging.getLogger("jitsi_standin")


def read_version(path):
    """The package version the build script wrote next to the launcher."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return "unknown"


def run(name, build):
    """Run `build()` -> (setup coroutine, teardown coroutine); exit 1 on a bad config."""
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format=f"%(asctime)s {name} %(levelname)s: %(message)s")
    try:
        setup, teardown = build()
    except (ConfigError, HoconError, OSError) as exc:
        log.error("SEVERE: cannot start, configuration is unusable: %s", exc)
        sys.exit(1)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stop = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(True))
    try:
        loop.run_until_complete(setup(stop))
        loop.run_until_complete(stop)
    except OSError as exc:
        log.error("SEVERE: %s", exc)
        sys.exit(1)
    finally:
        loop.run_until_complete(teardown())
    log.info("stopped")
