"""Stand-in for jitsi-videobridge2: `python3 -m jitsi_standin.bridge` (see jvb.sh)."""

import asyncio
import logging
import os

from . import config, media, rest
from .bridge_state import BridgeState
from .daemon import read_version, run

ENV_FILE = os.environ.get("JVB_ENV_FILE", "/etc/jitsi/videobridge/config")
STATE_FILE = os.environ.get("JVB_STATE_FILE", "/var/lib/jitsi-videobridge/standin-state.json")
VERSION_FILE = "/usr/share/jitsi-videobridge/VERSION"
log = logging.getLogger("jitsi_standin.bridge")


def build():
    env, tree, conf_path = config.load_env_and_tree(ENV_FILE, "/etc/jitsi/videobridge/jvb.conf")
    settings = config.bridge_config(tree, env, source=conf_path)
    state = BridgeState(settings, read_version(VERSION_FILE), STATE_FILE)
    # Imported here so a config error is reported even where slixmpp is broken.
    from .xmpp import BridgeComponent, MucMember

    sessions = []
    for login in settings.logins:
        label = f"xmpp-client {login.name} ({login.jid})"
        state.set_registered(label, False)
        sessions.append(MucMember(login, label, state.stats,
                                  lambda ok, label=label: state.set_registered(label, ok)))
    if settings.component:
        label = f"component {settings.component.jid}"
        state.set_registered(label, False)
        sessions.append(BridgeComponent(settings.component, state.stats,
                                        lambda ok, label=label: state.set_registered(label, ok)))
    log.info("version %s, region %r, shard %r, %d xmpp session(s)",
             state.version, settings.region, settings.shard, len(sessions))

    async def setup(stop):
        await rest.serve(settings.rest_host, settings.rest_port, state.handle)
        await media.serve(settings, state.packets)
        for session in sessions:
            session.start()

        async def housekeeping():
            while not stop.done():
                if state.tick():
                    log.info("graceful shutdown: no conferences left, exiting")
                    stop.set_result(True)
                    return
                for session in sessions:
                    session.announce()
                await asyncio.sleep(1)

        asyncio.ensure_future(housekeeping())

    async def teardown():
        state.stop()
        for session in sessions:
            await session.stop()

    return setup, teardown


def main():
    run("jvb", build)


if __name__ == "__main__":
    main()
