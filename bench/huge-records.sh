#!/bin/bash
# Peak RSS of the CLI on 16 records of 8 MB each (issue #23 item 9): the model reads 128 tokens, so
# only a prefix of each text is tokenized. Usage: bench/huge-records.sh [extra CLI options]
# Makes its input in a temporary folder (128 MB) and removes it afterwards. Needs GNU time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir/huge.csv" <<'PY'
import random, sys
random.seed(1)
words = "i feel so happy today and sad tomorrow because the weather is strange love anger fear surprise".split()
with open(sys.argv[1], "w") as f:
    f.write("id,text\n")
    for r in range(16):
        parts, n = [], 0
        while n < 8_000_000:
            w = random.choice(words); parts.append(w); n += len(w) + 1
        f.write(f"{r},{' '.join(parts)}\n")
PY
/usr/bin/time -f "peak RSS %M KB, %e s" node "$here/bin/emotion-label.js" "$dir/huge.csv" -o "$dir/out.csv" "$@"
