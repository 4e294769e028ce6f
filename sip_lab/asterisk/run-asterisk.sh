#!/bin/sh
# Run a real Asterisk 22 in the foreground with the configuration in this folder.
#
# Writes a copy of asterisk.conf whose astetcdir is this folder and whose
# run, log, spool and database directories are under a scratch folder, then
# execs "asterisk -C <copy> -f". Extra arguments go to asterisk (e.g. -vvv;
# verbose output shows caller numbers: lab use only).
#
#   URGENTLINE_ASTERISK_SCRATCH  scratch folder (default: $TMPDIR or /tmp, then urgentline-asterisk)
#   URGENTLINE_ASTERISK_DATADIR  where sounds/ and moh/ live (default: asterisk.conf's astdatadir)
#
# A CLI on the running instance: sh run-asterisk.sh -r   (same copy, remote console)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
scratch=${URGENTLINE_ASTERISK_SCRATCH:-${TMPDIR:-/tmp}/urgentline-asterisk}
mkdir -p "$scratch/run" "$scratch/log" "$scratch/spool" "$scratch/db"

datadir_rule=""
if [ -n "${URGENTLINE_ASTERISK_DATADIR:-}" ]; then
    datadir_rule="s#^astdatadir => .*#astdatadir => ${URGENTLINE_ASTERISK_DATADIR}#"
fi

sed -e "s#^astetcdir => .*#astetcdir => ${here}#" \
    -e "s#^astrundir => .*#astrundir => ${scratch}/run#" \
    -e "s#^astlogdir => .*#astlogdir => ${scratch}/log#" \
    -e "s#^astspooldir => .*#astspooldir => ${scratch}/spool#" \
    -e "s#^astdbdir => .*#astdbdir => ${scratch}/db#" \
    -e "${datadir_rule:-s#^##}" \
    "$here/asterisk.conf" > "$scratch/asterisk.conf"

if [ "${1:-}" = "-r" ]; then
    exec asterisk -C "$scratch/asterisk.conf" -r
fi
exec asterisk -C "$scratch/asterisk.conf" -f "$@"
