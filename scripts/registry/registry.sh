#!/usr/bin/env bash
# The schema registry for the event tests: Apicurio Registry 3 (Confluent-compatible API under /apis/ccompat/v7),
# built from the published artifact io.apicurio:apicurio-registry-app on Maven Central into a Quarkus fast-jar
# (pom.xml), storage in memory (H2), listening on 127.0.0.1 only. Like scripts/kafka/kafka.sh:
#
#   scripts/registry/registry.sh fetch      build target/quarkus-app once into the cache (Maven, ~Central only)
#   scripts/registry/registry.sh start      fetch, start, wait until the ccompat API answers; no-op if running
#   scripts/registry/registry.sh stop       SIGTERM, SIGKILL after 30 s
#   scripts/registry/registry.sh status     "ready <url>" (exit 0) or exit 3
#   scripts/registry/registry.sh url        print the ccompat base URL
#
# Environment: REGISTRY_PORT (default 18081), REGISTRY_STATE_DIR (default ${TMPDIR:-/tmp}/254carbon-registry),
# REGISTRY_CACHE_DIR (default $HOME/.cache/254carbon), REGISTRY_READY_TIMEOUT (seconds, default 120).
set -euo pipefail

APICURIO_VERSION="3.3.3" # keep equal to apicurio.version in pom.xml
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${REGISTRY_CACHE_DIR:-$HOME/.cache/254carbon}/apicurio-registry-$APICURIO_VERSION"
STATE="${REGISTRY_STATE_DIR:-${TMPDIR:-/tmp}/254carbon-registry}"
PORT="${REGISTRY_PORT:-18081}"
HOST="127.0.0.1"
PIDFILE="$STATE/registry.pid"
URL="http://$HOST:$PORT/apis/ccompat/v7"
READY_TIMEOUT="${REGISTRY_READY_TIMEOUT:-120}"

log() { echo "[registry.sh] $*" >&2; }

fetch() {
    [[ -f "$CACHE/quarkus-app/quarkus-run.jar" ]] && return 0
    command -v mvn >/dev/null 2>&1 || { log "mvn not found (Debian: apt-get install -y maven)"; exit 2; }
    local build="$CACHE.build.$$" started=$SECONDS
    rm -rf "$build"
    mkdir -p "$build"
    cp "$HERE/pom.xml" "$build/pom.xml"
    log "building Apicurio Registry $APICURIO_VERSION from Maven Central (Quarkus augmentation) in $build"
    if ! mvn -B -q --no-transfer-progress -Dstyle.color=never -s "$HERE/settings.xml" -f "$build/pom.xml" package -DskipTests >"$build/mvn.log" 2>&1; then
        log "the build failed (full log: $CACHE.last-build.log); the first error:"
        grep -m1 '\[ERROR\]' "$build/mvn.log" >&2 || tail -n 20 "$build/mvn.log" >&2
        mv "$build/mvn.log" "$CACHE.last-build.log"
        rm -rf "$build"
        exit 1
    fi
    rm -rf "$CACHE/quarkus-app"
    mv "$build/target/quarkus-app" "$CACHE/quarkus-app"
    rm -rf "$build"
    log "built in $((SECONDS - started))s: $CACHE/quarkus-app"
}

pid_alive() {
    [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$(cat "$PIDFILE")/cmdline" 2>/dev/null | grep -q -- "$CACHE/quarkus-app/quarkus-run.jar"
}

answers() { curl -fsS --max-time 3 "$URL/subjects" >/dev/null 2>&1; }

start() {
    if pid_alive && answers; then
        log "already running (pid $(cat "$PIDFILE")) at $URL"
        return 0
    fi
    fetch
    mkdir -p "$STATE"
    # quarkus.http.*: Quarkus's HTTP server; apicurio.storage.*: SQL storage on H2, which Apicurio keeps in memory
    # (apicurio.storage.sql.kind defaults to h2: app/src/main/java/io/apicurio/registry/storage/impl/sql/SqlStatementsProducer.java).
    setsid java -Xmx512m -Dquarkus.http.host="$HOST" -Dquarkus.http.port="$PORT" \
        -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
        -jar "$CACHE/quarkus-app/quarkus-run.jar" >"$STATE/registry.log" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    local waited=0
    until answers; do
        if ! pid_alive || ((waited >= READY_TIMEOUT)); then
            log "the registry did not answer at $URL within ${waited}s; last log lines:"
            tail -n 30 "$STATE/registry.log" >&2 || true
            stop
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "ready at $URL after ${waited}s"
}

stop() {
    pid_alive || { rm -f "$PIDFILE"; log "not running"; return 0; }
    local pid
    pid="$(cat "$PIDFILE")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; log "stopped"; return 0; }
        sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
}

case "${1:-}" in
    fetch) fetch ;;
    start) start ;;
    stop) stop ;;
    status) if pid_alive && answers; then echo "ready $URL"; else echo "not running"; exit 3; fi ;;
    url) echo "$URL" ;;
    *)
        echo "usage: $0 fetch|start|stop|status|url" >&2
        exit 64
        ;;
esac
