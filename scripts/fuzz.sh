#!/usr/bin/env bash
# Runs every fuzz target of the module for the given time each (default 10s).
# For a long run of one target: go test ./kafka/wire -run '^$' -fuzz '^FuzzName$' -fuzztime 10m
set -euo pipefail
cd "$(dirname "$0")/.."
t="${1:-10s}"
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for name in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "fuzz $pkg $name ($t)"
		go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$t" >/tmp/gregor-fuzz.log 2>&1 || { cat /tmp/gregor-fuzz.log; exit 1; }
	done
done
