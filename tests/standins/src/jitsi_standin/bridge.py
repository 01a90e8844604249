"""Stand-in for jitsi-videobridge2: `python3 -m jitsi_standin.bridge`, started by jvb.sh.

Like jvb's Main.kt @a29d97d1 (`fun main()` takes no arguments since 499972b62) it reads nothing
from its command line: everything comes from the HOCON file named by -Dconfig.file in
JAVA_SYS_PROPS, which systemd loads from /etc/jitsi/videobridge/config.
"""

import asyncio
import logging
import os

from . import config, ice, rest
from .bridge_state import BridgeState
from .daemon import read_version, run
from .health import HealthChecker

STATE_FILE = os.environ.get("JVB_STATE_FILE", "/var/lib/jitsi-videobridge/standin-state.json")
VERSION_FILE = "/usr/share/jitsi-videobridge/VERSION"
log = logging.getLogger("jitsi_standin.bridge")


def build():
    tree, path = config.load_tree(os.environ.get("JAVA_SYS_PROPS"))
    settings = config.bridge_config(tree, source=path or "reference.conf", log=log)
    state = BridgeState(settings, read_version(VERSION_FILE), STATE_FILE)
    addresses = ice.allowed_addresses(ice.interfaces(), settings.harvest)
    static = ice.static_mappings(settings.harvest)
    # Imported here so a config error is reported even where slixmpp is broken.
    from .xmpp import MucMember

    sessions = [MucMember(login, state) for login in settings.logins]
    log.info("version %s, region %s, relays %s (relay-id %s), %d xmpp-client config(s)", state.version,
             settings.region, "enabled" if settings.relay_enabled else "disabled", settings.relay_id, len(sessions))
    if not sessions:
        # Upstream runs the same way: no configs, no registration, no error.
        log.warning("no complete videobridge.apis.xmpp-client.configs: this bridge registers nowhere")
    if settings.relay_enabled and settings.relay_id is None:
        log.error("relays are enabled but no relay-id is set: statistics cannot be produced")

    async def setup(stop):
        bound = await ice.bind(addresses, settings.udp_port, state.mux)
        harvesters = {"mappings": ice.prune(static), "stun_failed": False}
        # Relays harvest the same addresses (unique-port agents) or share the single port (colibri.py).
        state.harvest.set(addresses, lambda: harvesters["mappings"], lambda: state.candidates)

        def refresh():
            state.candidates = ice.candidates(bound, settings.udp_port, harvesters["mappings"])

        async def check():
            return ice.health(settings.require_valid_address, bound, harvesters["mappings"],
                              settings.require_stun, harvesters["stun_failed"])

        async def discover():
            # Main.kt startIce4j(): the mapping harvesters are initialized in the background.
            jobs = [(a, s) for a, _scope in addresses if ":" not in a for s in settings.harvest.stun_addresses]
            found = await asyncio.gather(*(asyncio.to_thread(ice.stun_discover, a, s) for a, s in jobs))
            stun = [ice.Mapping("stun", face, mask) for face, mask in filter(None, found)]
            harvesters["stun_failed"] = bool(settings.harvest.stun_addresses) and not stun
            harvesters["mappings"] = ice.prune(static + stun)
            refresh()
            for mapping in harvesters["mappings"]:
                log.info("Using mapping %s: %s -> %s", mapping.name, mapping.face[0], mapping.mask[0])

        refresh()
        state.health = HealthChecker(settings.health, check)
        asyncio.ensure_future(state.health.run())
        asyncio.ensure_future(discover())
        if settings.rest_port != -1:
            await rest.serve(settings.rest_host, settings.rest_port, state.handle)
        for session in sessions:
            session.start()

        async def housekeeping():
            since_publish = 0.0
            while not stop.done():
                if state.tick():
                    log.info("Videobridge is shutting down NOW")
                    stop.set_result(True)
                    return
                since_publish += 1
                if since_publish >= settings.presence_interval:
                    since_publish = 0.0
                    for session in sessions:
                        session.publish()
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
