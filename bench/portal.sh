#!/usr/bin/env bash
# Measures the portal's page times at the server (issue 5): starts `bonded demo` (release) on a
# fresh folder, signs in as the customs officer and as an enterprise with curl, and requests each
# page N times, timing the first byte on loopback. Prints the median and p90 per page, in ms.
#
# Usage: bench/portal.sh                 (N=200)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-200}
PORT=${PORT:-7399}
BONDED=${CARGO_TARGET_DIR:-$ROOT/target}/release/bonded
WORK=$(mktemp -d)
trap 'kill "$DEMO" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --locked -p bonded --manifest-path "$ROOT/Cargo.toml" >&2
"$BONDED" demo --data "$WORK/demo" --listen "127.0.0.1:$PORT" > "$WORK/demo.log" 2>&1 &
DEMO=$!
for _ in $(seq 120); do
    grep -q "^Portal:" "$WORK/demo.log" 2>/dev/null && break
    sleep 0.5
done
URL="http://127.0.0.1:$PORT"

sign_in() { # user -> cookie jar
    local jar="$WORK/$1.jar" password csrf
    password=$(python3 -c "import json,sys; print(next(a['password'] for a in json.load(open('$WORK/demo/accounts.json')) if a['user'] == '$1'))")
    csrf=$(curl -s -c "$jar" "$URL/portal/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
    curl -s -b "$jar" -c "$jar" -o /dev/null -d "csrf=$csrf&user=$1&password=$password" "$URL/portal/login"
    echo "$jar"
}

measure() { # jar path label
    local times
    times=$(for _ in $(seq "$N"); do
        curl -s -b "$1" -o /dev/null -w '%{time_starttransfer}\n' "$URL$2"
    done | sort -g)
    python3 - "$3" <<PY
import sys
values = [float(v) * 1000 for v in """$times""".split()]
print(f"{sys.argv[1]:<28} median {values[len(values) // 2]:7.2f} ms   p90 {values[int(len(values) * 0.9)]:7.2f} ms")
PY
}

officer=$(sign_in officer.hcm)
enterprise=$(sign_in ent-0302222222)
small=$(sign_in ent-0303333333)
measure "$officer" /portal/customs "customs dashboard"
measure "$officer" /portal/enterprises/ENT-0302222222 "enterprise page (officer)"
measure "$enterprise" /portal/enterprises/ENT-0302222222 "enterprise page (own)"
measure "$small" /portal/norms "norm entry (own)"
measure "$enterprise" /portal/enterprises/ENT-0302222222/uploads "uploads page (own)"
measure "$officer" /portal/enterprises/ENT-0302222222/report.xlsx "Mẫu 15/15a .xlsx download"
measure "$officer" /portal/enterprises/ENT-0302222222/report.pdf "Mẫu 15/15a PDF download"
measure "$officer" /portal/audit "audit page"
measure "$officer" /portal/login "sign-in page"
