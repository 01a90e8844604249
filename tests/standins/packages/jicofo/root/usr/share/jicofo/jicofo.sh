#!/bin/bash
# Stand-in launcher: same place and arguments as the real jicofo.sh, a Python daemon instead
# of the JVM. It reads /etc/jitsi/jicofo/config and the jicofo.conf named by -Dconfig.file.
export PYTHONPATH=/usr/share/jicofo/lib
exec /usr/bin/python3 -m jitsi_standin.jicofo "$@"
