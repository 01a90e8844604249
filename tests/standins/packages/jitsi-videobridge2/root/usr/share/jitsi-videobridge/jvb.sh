#!/bin/bash
# Stand-in launcher: same place and arguments as the real jvb.sh, a Python daemon instead of
# the JVM. It reads /etc/jitsi/videobridge/config and the jvb.conf named by -Dconfig.file.
export PYTHONPATH=/usr/share/jitsi-videobridge/lib
exec /usr/bin/python3 -m jitsi_standin.bridge "$@"
