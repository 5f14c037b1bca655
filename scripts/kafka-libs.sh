#!/usr/bin/env bash
# kafka-libs.sh: assemble the runtime classpath of a real Apache Kafka broker (plus its Java
# tools) from Maven Central, for gregor's integration tests (internal/realkafka).
#
#   scripts/kafka-libs.sh 4.4.0        # prints the libs directory on stdout
#   scripts/kafka-libs.sh 3.9.x        # alias for the newest 3.9 release we pin (3.9.2)
#   scripts/kafka-libs.sh --all        # every version in GREGOR_KAFKA_VERSIONS (default: 4.4.0,3.9.2)
#
# The jars go to ${GREGOR_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gregor-kafka}/<version>/libs,
# outside the work tree, so a fresh clone (CI) reuses them and nothing can be committed by
# accident. A marker file holding the pom's sha256 makes a second run a no-op that never
# starts mvn; editing the pom invalidates it. Concurrent runs (go test runs packages in
# parallel) serialise on a flock per version and publish the directory with a rename.
#
# The java classpath is "<libs>/*" (quoted: java expands the star itself).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${GREGOR_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gregor-kafka}"
# maven-dependency-plugin must be fully qualified: Maven 3.8.x binds 2.8 by default, which
# lacks options we rely on. 3.8.1 works with Maven >= 3.6.3.
dep_plugin="org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"

resolve() {
	case "$1" in
	3.9.x | 3.9) echo 3.9.2 ;;
	4.4.x | 4.4 | latest) echo 4.4.0 ;;
	*) echo "$1" ;;
	esac
}

assemble() {
	local version pom dir libs marker sum tmp
	version="$(resolve "$1")"
	pom="$root/testdata/kafka/pom-$version.xml"
	if [[ ! -f "$pom" ]]; then
		echo "kafka-libs: no pom for Kafka $version (want $pom)" >&2
		return 2
	fi
	dir="$cache_root/$version"
	libs="$dir/libs"
	marker="$dir/libs.ok"
	sum="$(sha256sum "$pom" | cut -d' ' -f1)"
	if [[ -d "$libs" && -f "$marker" && "$(cat "$marker")" == "$sum" ]]; then
		echo "$libs"
		return 0
	fi
	for tool in mvn java; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "kafka-libs: '$tool' not found; install OpenJDK 17 and Maven (Debian: apt-get install openjdk-17-jdk-headless maven)" >&2
			return 3
		fi
	done
	mkdir -p "$dir"
	(
		flock 9
		# Another process may have finished while we waited for the lock.
		if [[ -d "$libs" && -f "$marker" && "$(cat "$marker")" == "$sum" ]]; then
			exit 0
		fi
		tmp="$dir/libs.tmp.$$"
		rm -rf "$tmp"
		echo "kafka-libs: assembling Kafka $version into $libs (mvn)" >&2
		if ! mvn -B -ntp -q -Dstyle.color=never -f "$pom" "$dep_plugin" -DincludeScope=runtime -DoutputDirectory="$tmp" >&2; then
			rm -rf "$tmp"
			echo "kafka-libs: mvn failed for Kafka $version" >&2
			exit 4
		fi
		if ! ls "$tmp"/kafka_2.13-"$version".jar >/dev/null 2>&1; then
			rm -rf "$tmp"
			echo "kafka-libs: mvn produced no kafka_2.13-$version.jar" >&2
			exit 4
		fi
		rm -rf "$libs" "$marker"
		mv "$tmp" "$libs"
		echo "$sum" >"$marker"
	) 9>"$dir/.lock"
	echo "$libs"
}

if [[ $# -ne 1 ]]; then
	echo "usage: $0 <version>|--all" >&2
	exit 64
fi
if [[ "$1" == "--all" ]]; then
	IFS=',' read -r -a versions <<<"${GREGOR_KAFKA_VERSIONS:-4.4.0,3.9.2}"
	for v in "${versions[@]}"; do
		v="${v// /}"
		[[ -n "$v" ]] && assemble "$v"
	done
else
	assemble "$1"
fi
