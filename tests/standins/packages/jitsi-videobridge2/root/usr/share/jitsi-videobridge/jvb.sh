#!/bin/bash
# Stand-in launcher at the real jvb.sh's place (jitsi-videobridge jvb/resources/jvb.sh @a29d97d1): the
# same environment (VIDEOBRIDGE_MAX_MEMORY, JAVA_SYS_PROPS from the unit's EnvironmentFile), a Python
# daemon instead of the JVM. Like MainKt, the daemon ignores its arguments.
if [ -z "$VIDEOBRIDGE_MAX_MEMORY" ]; then VIDEOBRIDGE_MAX_MEMORY=3072m; fi
# The JVM refuses to start with a heap size it cannot parse (-Xmx$VIDEOBRIDGE_MAX_MEMORY).
if [[ ! "$VIDEOBRIDGE_MAX_MEMORY" =~ ^[0-9]+[kKmMgGtT]?$ ]]; then
    echo "Invalid maximum heap size: -Xmx$VIDEOBRIDGE_MAX_MEMORY" >&2
    echo "Error: Could not create the Java Virtual Machine." >&2
    exit 1
fi
export JAVA_SYS_PROPS PYTHONPATH=/usr/share/jitsi-videobridge/lib
exec /usr/bin/python3 -m jitsi_standin.bridge "$@"
