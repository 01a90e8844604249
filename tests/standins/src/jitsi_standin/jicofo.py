"""Stand-in for jicofo: `python3 -m jitsi_standin.jicofo` (see jicofo.sh)."""

import asyncio
import logging
import os

from . import config, rest
from .daemon import read_version, run
from .jicofo_state import JicofoState

ENV_FILE = os.environ.get("JICOFO_ENV_FILE", "/etc/jitsi/jicofo/config")
VERSION_FILE = "/usr/share/jicofo/VERSION"
POLL_SECONDS = 2
log = logging.getLogger("jitsi_standin.jicofo")


def build():
    _env, tree, conf_path = config.load_env_and_tree(ENV_FILE, "/etc/jitsi/jicofo/jicofo.conf")
    settings = config.jicofo_config(tree, source=conf_path)
    state = JicofoState(settings, read_version(VERSION_FILE))
    from .xmpp import Focus

    focus = Focus(settings, state)
    log.info("version %s, brewery %s, region %r, strategy %s",
             state.version, settings.brewery, settings.region, settings.selection_strategy)

    async def setup(stop):
        await rest.serve(settings.rest_host, settings.rest_port, state.handle)
        focus.start()

        async def poll():
            while not stop.done():
                await focus.poll_components()
                await asyncio.sleep(POLL_SECONDS)

        asyncio.ensure_future(poll())

    async def teardown():
        await focus.stop()

    return setup, teardown


def main():
    run("jicofo", build)


if __name__ == "__main__":
    main()
