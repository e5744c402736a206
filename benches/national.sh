#!/usr/bin/env bash
# ntm and DuckDB side by side on one generated national bundle, in one run:
#   benches/national.sh [UNITS] [YEARS]      (default 10000 communes, 15 years)
# Prints, for ntm: import (first and again), store size, `check` over the whole store, each
# with wall time, CPU time and peak memory; for DuckDB: load, file size, the question.
set -euo pipefail
units=${1:-10000}
years=${2:-15}
cd "$(dirname "$0")/.."
cargo build --release --locked -q
ntm=$PWD/target/release/ntm
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
"$ntm" gen --units "$units" --years "$years" "$w/bundle" >/dev/null 2>&1
rows=$(($(wc -l < "$w/bundle/observations.csv") - 1))
echo "bundle: $rows observations, $(du -m "$w/bundle/observations.csv" | cut -f1) MB of CSV"
measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %U s user, %M KB peak" "$@" >/dev/null 2>"$w/time" \
    || { cat "$w/time"; exit 1; }
  tail -1 "$w/time"
}
measure "ntm import" "$ntm" --store "$w/store" import "$w/bundle"
echo "ntm store: $(du -sm "$w/store" | cut -f1) MB"
measure "ntm import again" "$ntm" --store "$w/store" import "$w/bundle"
echo "ntm store after the second import: $(du -sm "$w/store" | cut -f1) MB"
measure "ntm check (whole store)" "$ntm" --store "$w/store" check --fail-on none
measure "ntm check --format json" "$ntm" --store "$w/store" check --format json --fail-on none
if python3 -c "import duckdb" 2>/dev/null; then
  python3 benches/duck.py "$w/bundle" "$w/duck.db"
else
  echo "duckdb: not installed (pip install duckdb)"
fi
