#!/usr/bin/env bash
# Runs every test of the module with the race detector, the real Apache
# Kafka tests included (4.4.0 and 3.9.x brokers assembled from Maven Central
# on first use and cached in ~/.cache/gregor-kafka). Without Java 17 and
# Maven the real-Kafka tests skip with a message, unless CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go test -race -count=1 -timeout 30m "$@" ./...
