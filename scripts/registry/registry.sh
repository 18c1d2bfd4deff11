#!/usr/bin/env bash
# The schema registry for the event tests: Apicurio Registry 2.4.2.Final (Confluent-compatible API under
# /apis/ccompat/v7), built from the published artifact io.apicurio:apicurio-registry-app on Maven Central into a
# Quarkus legacy jar (pom.xml), its storage in a PostgreSQL of its own (scripts/postgres/postgres.sh, TLS verified,
# SCRAM), both on 127.0.0.1 only. Like scripts/kafka/kafka.sh:
#
#   scripts/registry/registry.sh fetch      build the runnable app once into the cache (Maven, Central only; ~2.5 min cold)
#   scripts/registry/registry.sh start      fetch, start its PostgreSQL, start, wait until GET /subjects answers; no-op if running
#   scripts/registry/registry.sh stop       stops only what this script started (pid file + command line; its PostgreSQL), SIGTERM, SIGKILL after 30 s
#   scripts/registry/registry.sh status     "ready <url>" (exit 0) or "not running" (exit 3)
#   scripts/registry/registry.sh url        print the ccompat base URL
#   scripts/registry/registry.sh log        print the path of the registry's log
#
# Environment: REGISTRY_PORT (default 18081), REGISTRY_STATE_DIR (default ${TMPDIR:-/tmp}/254carbon-registry),
# REGISTRY_CACHE_DIR (default $HOME/.cache/254carbon), REGISTRY_READY_TIMEOUT (seconds, default 120),
# REGISTRY_PG_PORT (its PostgreSQL's port, default 15481; the data lives in $REGISTRY_STATE_DIR/postgres).
set -euo pipefail

APICURIO_VERSION="2.4.2.Final" # keep equal to apicurio.version in pom.xml
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${REGISTRY_CACHE_DIR:-$HOME/.cache/254carbon}/apicurio-registry-$APICURIO_VERSION-postgresql"
# quarkus-maven-plugin's legacy-jar layout: <artifactId>-<version>-runner.jar beside lib/ (its Class-Path).
RUNNER="$CACHE/app/test-schema-registry-1-runner.jar"
STATE="${REGISTRY_STATE_DIR:-${TMPDIR:-/tmp}/254carbon-registry}"
PORT="${REGISTRY_PORT:-18081}"
HOST="127.0.0.1"
PIDFILE="$STATE/registry.pid"
LOG="$STATE/registry.log"
URL="http://$HOST:$PORT/apis/ccompat/v7"
READY_TIMEOUT="${REGISTRY_READY_TIMEOUT:-120}"
PG=(env PG_STATE_DIR="$STATE/postgres" PG_PORT="${REGISTRY_PG_PORT:-15481}" bash "$HERE/../postgres/postgres.sh")

log() { echo "[registry.sh] $*" >&2; }

fetch() {
    [[ -f "$RUNNER" ]] && return 0
    command -v mvn >/dev/null 2>&1 || { log "mvn not found (Debian: apt-get install -y maven)"; exit 2; }
    local build="$CACHE.build.$$" started=$SECONDS
    rm -rf "$build"
    mkdir -p "$build"
    cp "$HERE/pom.xml" "$build/pom.xml"
    log "building Apicurio Registry $APICURIO_VERSION from Maven Central (Quarkus augmentation) in $build"
    if ! mvn -B -q --no-transfer-progress -Dstyle.color=never -s "$HERE/settings.xml" -f "$build/pom.xml" package -DskipTests \
        '-D%prod.quarkus.datasource.db-kind=postgresql' >"$build/mvn.log" 2>&1; then
        log "the build failed (full log: $CACHE.last-build.log); the first error:"
        grep -m1 '\[ERROR\]' "$build/mvn.log" >&2 || tail -n 20 "$build/mvn.log" >&2
        mv "$build/mvn.log" "$CACHE.last-build.log"
        rm -rf "$build"
        exit 1
    fi
    rm -rf "$CACHE/app"
    mkdir -p "$CACHE/app"
    mv "$build/target/test-schema-registry-1-runner.jar" "$build/target/lib" "$CACHE/app/"
    rm -rf "$build"
    log "built in $((SECONDS - started))s: $CACHE/app"
}

pid_alive() {
    [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$(cat "$PIDFILE")/cmdline" 2>/dev/null | grep -q -- "$RUNNER"
}

answers() { curl -fsS --max-time 3 "$URL/subjects" >/dev/null 2>&1; }

port_taken() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

wait_ready() {
    local waited=0
    until answers; do
        if ! pid_alive || ((waited >= READY_TIMEOUT)); then
            log "the registry did not answer GET $URL/subjects within ${waited}s; last lines of $LOG:"
            tail -n 30 "$LOG" >&2 || true
            stop
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "ready at $URL (pid $(cat "$PIDFILE"), log $LOG) after ${waited}s"
}

start() {
    mkdir -p "$STATE"
    # One start at a time (test files run in parallel processes): a second caller waits, then finds it running.
    exec 9>"$STATE/start.lock"
    flock -w 900 9 || { log "another registry.sh start holds $STATE/start.lock"; exit 1; }
    if pid_alive; then
        answers && { log "already running (pid $(cat "$PIDFILE")) at $URL"; return 0; }
        log "started earlier (pid $(cat "$PIDFILE")), waiting for it"
        wait_ready
        return 0
    fi
    fetch
    mkdir -p "$STATE"
    if port_taken; then
        log "127.0.0.1:$PORT is in use by another process; set REGISTRY_PORT to a free port"
        exit 1
    fi
    "${PG[@]}" start >&2 9>&- # the lock's fd must not outlive this script in a server
    # host=… port=… user=… password_file=… ca=… (postgres.sh info)
    local info pg_port pg_user pg_password_file pg_ca
    info="$("${PG[@]}" info)"
    pg_port="$(sed -n 's/.*port=\([^ ]*\).*/\1/p' <<<"$info")"
    pg_user="$(sed -n 's/.*user=\([^ ]*\).*/\1/p' <<<"$info")"
    pg_password_file="$(sed -n 's/.*password_file=\([^ ]*\).*/\1/p' <<<"$info")"
    pg_ca="$(sed -n 's/.*ca=\([^ ]*\).*/\1/p' <<<"$info")"
    # quarkus.http.host/port: Quarkus's HTTP server (the app's application.properties only sets %prod.quarkus.http.port
    # from HTTP_PORT). The datasource: the app's application.properties reads %prod.quarkus.datasource.jdbc.url,
    # .username and .password from REGISTRY_DATASOURCE_URL, _USERNAME and _PASSWORD (io.apicurio:apicurio-registry-app
    # :2.4.2.Final), and %prod.registry.sql.init=true creates its tables. The password goes in through the environment
    # only (never the command line or the log); the JDBC URL verifies the server's certificate against its CA.
    # Not H2 (the app's default): Apicurio 2.4.2 on H2 fails concurrent registrations with HTTP 500 (README.md).
    REGISTRY_DATASOURCE_URL="jdbc:postgresql://$HOST:$pg_port/postgres?sslmode=verify-full&sslrootcert=$pg_ca" \
        REGISTRY_DATASOURCE_USERNAME="$pg_user" REGISTRY_DATASOURCE_PASSWORD="$(cat "$pg_password_file")" \
        setsid java -Xmx512m -Dquarkus.http.host="$HOST" -Dquarkus.http.port="$PORT" \
        -jar "$RUNNER" >"$LOG" 2>&1 </dev/null 9>&- &
    echo $! >"$PIDFILE"
    wait_ready
}

stop() {
    stop_registry
    if [[ -d "$STATE/postgres" ]]; then "${PG[@]}" stop >&2 || true; fi
}

stop_registry() {
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
    log) echo "$LOG" ;;
    *)
        echo "usage: $0 fetch|start|stop|status|url|log" >&2
        exit 64
        ;;
esac
