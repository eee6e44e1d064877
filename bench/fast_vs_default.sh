#!/bin/bash
# Back-to-back CLI speed: the default model, then each MODELDIR, on the same file, REPEAT times.
# usage: bench/fast_vs_default.sh INPUT.csv REPEAT MODELDIR...   (absolute paths; prints wall, CPU, peak RSS, rows/s)
IN=$1; R=$2; shift 2
cd "$(dirname "$0")/.."
N=$(($(wc -l < $IN)-1))
for r in $(seq 1 $R); do
  for M in default "$@"; do
    if [ "$M" = default ]; then MA=""; else MA="--model $M"; fi
    /usr/bin/time -f "%e %U %S %M" -o /tmp/fast-time.$$ node bin/emotion-label.js $IN -o /tmp/fast-out.$$.csv --no-progress $MA 2>/dev/null
    read W U S RSS < /tmp/fast-time.$$
    echo "run $r model $M rows $N wall $W cpu $(echo "$U+$S"|bc) rss_kb $RSS rows/s $(echo "scale=1; $N/$W"|bc) load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
rm -f /tmp/fast-time.$$ /tmp/fast-out.$$.csv
