#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds made from the repository's fixtures
# (and, when present, pprof's own test data in ../shared/conformance).
# Idempotent: seeds are named by content hash, so re-running adds nothing new.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pprof_testdata=${PPROF_TESTDATA:-$root/../shared/conformance/google-pprof/profile/testdata}

add() { # add TARGET FILE: copy FILE into the target's corpus under its hash
    local dir="$here/corpus/$1"
    mkdir -p "$dir"
    cp "$2" "$dir/$(sha1sum "$2" | cut -c1-16)"
}
add_gunzipped() { # add_gunzipped TARGET FILE.gz
    local tmp
    tmp=$(mktemp)
    gzip -dc "$2" >"$tmp"
    add "$1" "$tmp"
    rm -f "$tmp"
}

for f in "$root"/fixtures/profiles/*.pb.gz; do
    add parse "$f"
    add report "$f"
    add_gunzipped parse "$f"
    add_gunzipped proto "$f"
    add_gunzipped report "$f"
done
for f in "$root"/fixtures/profiles/*.txt; do
    add parse "$f"
    add text "$f"
    add report "$f"
done
if [ -d "$pprof_testdata" ]; then
    for f in "$pprof_testdata"/*; do
        [ -f "$f" ] || continue
        if [ "$(head -c2 "$f" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
            add parse "$f"
            add_gunzipped proto "$f"
        else
            add parse "$f"
            add text "$f"
            add report "$f"
        fi
    done
fi

# Execution traces: the binary fixtures, and Go's own fuzz corpus (stored in
# `go test fuzz v1` form: one []byte("...") Go string literal per file).
for f in "$root"/fixtures/profiles/trace*.out "$root"/fixtures/traces/*.trace \
    "$root"/fixtures/traces/go-testdata/tracev1/*; do
    [ -f "$f" ] && add trace "$f"
done
for f in "$root"/fixtures/traces/go-testdata/fuzz/*; do
    [ -f "$f" ] || continue
    tmp=$(mktemp)
    python3 - "$f" "$tmp" <<'PY'
import sys
src = open(sys.argv[1], "rb").read().split(b"\n")
lit = next(l for l in src if l.startswith(b'[]byte("'))
lit = lit[len(b'[]byte("'):lit.rindex(b'")')]
# A Go interpreted string literal: raw bytes (UTF-8 kept as is) and escapes.
simple = {b"a": 7, b"b": 8, b"f": 12, b"n": 10, b"r": 13, b"t": 9, b"v": 11,
          b"\\": 92, b'"': 34, b"'": 39}
out, i = bytearray(), 0
while i < len(lit):
    c = lit[i:i + 1]
    if c != b"\\":
        out += c
        i += 1
        continue
    e = lit[i + 1:i + 2]
    if e in simple:
        out.append(simple[e]); i += 2
    elif e == b"x":
        out.append(int(lit[i + 2:i + 4], 16)); i += 4
    elif e in (b"u", b"U"):
        n = 4 if e == b"u" else 8
        out += chr(int(lit[i + 2:i + 2 + n], 16)).encode(); i += 2 + n
    else:  # octal \NNN
        out.append(int(lit[i + 1:i + 4], 8)); i += 4
open(sys.argv[2], "wb").write(out)
PY
    add trace "$tmp"
    rm -f "$tmp"
done
while IFS= read -r f; do
    add diag "$f"
done < <(find "$root/fixtures/diag" -name '*.txt' -o -name '*.jsonl')
for t in proto parse text report trace diag; do
    echo "$t: $(ls "$here/corpus/$t" | wc -l) seeds"
done
