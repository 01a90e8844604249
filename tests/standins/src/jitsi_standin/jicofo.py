"""Stand-in for jicofo: `python3 -m jitsi_standin.jicofo`, started by jicofo.sh from /etc/init.d/jicofo.

The HOCON file is the one named by -Dconfig.file in JAVA_SYS_PROPS (jicofo.sh adds the packaged
default when it is missing). Services as in jicofo JicofoServices.kt @7ebb13dc: the health checker
exists only with jicofo.health.enabled, the REST server only with jicofo.rest.enabled and a port.
"""

import asyncio
import logging
import os

from . import config, rest
from .daemon import read_version, run
from .health import HealthChecker
from .jicofo_state import JicofoState

VERSION_FILE = "/usr/share/jicofo/VERSION"
log = logging.getLogger("jitsi_standin.jicofo")


def build():
    tree, path = config.load_tree(os.environ.get("JAVA_SYS_PROPS"))
    settings = config.jicofo_config(tree, source=path or "reference.conf")
    state = JicofoState(settings, read_version(VERSION_FILE))
    from .xmpp import Focus

    focus = Focus(settings, state)
    state.focus = focus
    if settings.health_enabled:
        state.health = HealthChecker(settings.health, focus.health_check)
    log.info("version %s, brewery %s, region %s, strategy %s, octo %s, health checks %s", state.version,
             settings.brewery, settings.region, settings.selection_strategy,
             "enabled" if settings.octo_enabled else "disabled",
             "enabled" if settings.health_enabled else "disabled")
    if settings.authentication is None:
        log.info("Authentication service disabled.")

    async def setup(_stop):
        if state.health:
            asyncio.ensure_future(state.health.run())
        if settings.rest_enabled:
            await rest.serve(settings.rest_host, settings.rest_port, state.handle)
        else:
            log.info("Rest interface disabled.")
        focus.start()

    async def teardown():
        await focus.stop()

    return setup, teardown


def main():
    run("jicofo", build)


if __name__ == "__main__":
    main()
