#!/bin/sh
# Make the routing script's prompts (and the queue's own) as sound files Asterisk can play.
#
# A prompt without "media:" in the script is played as sound:urgentline/<id>,
# which is not one of Asterisk's core sounds. This speaks each such prompt's
# text with espeak-ng and writes <id>.wav (8 kHz, mono, 16-bit) where
# Asterisk looks for sound:urgentline/<id>. Lab quality only: a real service
# records its prompts.
#
#   sh make-prompts.sh [SCRIPT.yaml]      default: ivr_scripts/scripts/london.yaml
#   URGENTLINE_PROMPTS_DIR  output folder (default /var/lib/asterisk/sounds/en/urgentline)
#   PYTHON                  an interpreter with PyYAML (default: the project's .venv)
#
# Needs: apt-get install espeak-ng sox
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
script=${1:-$repo/ivr_scripts/scripts/london.yaml}
out=${URGENTLINE_PROMPTS_DIR:-/var/lib/asterisk/sounds/en/urgentline}
python=${PYTHON:-$repo/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$out"
"$python" - "$script" "$repo/callflow/routing/prompts.yaml" > "$work/prompts.tsv" <<'PY'
import sys

import yaml

for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    for pid, spec in (doc.get("prompts") or {}).items():
        if "media" not in spec:
            print(f"{pid}\t{' '.join(str(spec['text']).split())}")
PY

tab=$(printf '\t')
while IFS="$tab" read -r pid text; do
    espeak-ng -v en-gb -s 150 -w "$work/$pid.raw.wav" "$text"
    sox "$work/$pid.raw.wav" -r 8000 -c 1 -b 16 "$out/$pid.wav"
    echo "sound:urgentline/$pid -> $out/$pid.wav"
done < "$work/prompts.tsv"
