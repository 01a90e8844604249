#!/bin/bash
# Stand-in launcher at the real jicofo.sh's place (jicofo resources/jicofo.sh @7ebb13dc): the same
# environment handling, a Python daemon instead of the JVM.
# Without -Dconfig.file in JAVA_SYS_PROPS the packaged jicofo.conf is used, when there is one.
if [[ "$JAVA_SYS_PROPS" != *"-Dconfig.file="* ]]; then
    if [[ -f /etc/jitsi/jicofo/jicofo.conf ]]; then
        JAVA_SYS_PROPS="$JAVA_SYS_PROPS -Dconfig.file=/etc/jitsi/jicofo/jicofo.conf"
    else
        echo "To run jicofo you need a configuration file. Use environment variable JAVA_SYS_PROPS." >&2
        exit 2
    fi
fi
if [ -z "$JICOFO_MAX_MEMORY" ]; then JICOFO_MAX_MEMORY=3072m; fi
# The JVM refuses to start with a heap size it cannot parse (-Xmx$JICOFO_MAX_MEMORY).
if [[ ! "$JICOFO_MAX_MEMORY" =~ ^[0-9]+[kKmMgGtT]?$ ]]; then
    echo "Invalid maximum heap size: -Xmx$JICOFO_MAX_MEMORY" >&2
    echo "Error: Could not create the Java Virtual Machine." >&2
    exit 1
fi
export JAVA_SYS_PROPS PYTHONPATH=/usr/share/jicofo/lib
exec /usr/bin/python3 -m jitsi_standin.jicofo "$@"
