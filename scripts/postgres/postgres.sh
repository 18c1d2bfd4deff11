#!/usr/bin/env bash
# A throw-away PostgreSQL 15 from Debian's packages for tests, on 127.0.0.1 only, with TLS (a CA and a server
# certificate for 127.0.0.1 made with openssl) and SCRAM password authentication.
#
#   scripts/postgres/postgres.sh start     install (apt-get) if needed, initdb, start, wait until it answers
#   scripts/postgres/postgres.sh stop      pg_ctl stop -m fast
#   scripts/postgres/postgres.sh status    exit 0 and print "ready" when it answers, exit 3 otherwise
#   scripts/postgres/postgres.sh info      print host, port, admin user, password file and CA file
#
# Environment (all optional):
#   PG_STATE_DIR   data, logs, TLS files, password  (default ${TMPDIR:-/tmp}/254carbon-postgres)
#   PG_PORT        port                             (default 15432)
#   PG_ADMIN_USER  the admin role initdb creates    (default platform_admin)
# The server runs as the unprivileged `postgres` user when this script runs as root (initdb refuses root).
set -euo pipefail

PG_MAJOR=15
STATE="${PG_STATE_DIR:-${TMPDIR:-/tmp}/254carbon-postgres}"
PORT="${PG_PORT:-15432}"
HOST="127.0.0.1"
ADMIN="${PG_ADMIN_USER:-platform_admin}"
BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
DATA="$STATE/data"
TLS="$STATE/tls"

log() { echo "[postgres.sh] $*" >&2; }

install() {
    if [[ -x "$BIN/postgres" ]] && command -v openssl >/dev/null 2>&1; then
        return 0
    fi
    if [[ "$(id -u)" != "0" ]]; then
        log "PostgreSQL $PG_MAJOR is not installed and this is not root: apt-get install -y postgresql-$PG_MAJOR openssl"
        exit 2
    fi
    log "installing postgresql-$PG_MAJOR from Debian's packages"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$PG_MAJOR" openssl >&2
}

# Runs a command as the server's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [[ "$(id -u)" == "0" ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

make_tls() {
    [[ -f "$TLS/server.crt" ]] && return 0
    mkdir -p "$TLS"
    (
        cd "$TLS"
        umask 077
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=254carbon test PostgreSQL CA" -keyout ca.key -out ca.crt 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=$HOST" -keyout server.key -out server.csr 2>/dev/null
        printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$HOST" >san.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile san.ext -out server.crt 2>/dev/null
        openssl rand -hex 16 | tr -d '\n' >admin-password
    )
    chmod 644 "$TLS/ca.crt"
}

init() {
    [[ -f "$DATA/PG_VERSION" ]] && return 0
    mkdir -p "$STATE"
    make_tls
    if [[ "$(id -u)" == "0" ]]; then chown -R postgres: "$STATE"; fi
    log "initdb $DATA (admin role $ADMIN, SCRAM)"
    as_owner "$BIN/initdb" -D "$DATA" -U "$ADMIN" --auth=scram-sha-256 --pwfile="$TLS/admin-password" -E UTF8 --locale=C.UTF-8 >"$STATE/initdb.log" 2>&1 || {
        cat "$STATE/initdb.log" >&2
        exit 1
    }
    cat >>"$DATA/postgresql.conf" <<CONF
# Written by scripts/postgres/postgres.sh: loopback only, TLS on.
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$STATE'
ssl = on
ssl_cert_file = '$TLS/server.crt'
ssl_key_file = '$TLS/server.key'
password_encryption = 'scram-sha-256'
CONF
    # TCP only from loopback, always with a password; plain (non-TLS) TCP is allowed so a test can see sslmode matter.
    cat >"$DATA/pg_hba.conf" <<HBA
local all all scram-sha-256
host  all all 127.0.0.1/32 scram-sha-256
HBA
}

ready() {
    "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" -t 2
}

start() {
    install
    init
    if ready; then
        log "already running on $HOST:$PORT"
        return 0
    fi
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$STATE/server.log" -w -t 60 start >&2
    for _ in $(seq 1 60); do
        if ready; then
            log "ready on $HOST:$PORT (state in $STATE)"
            return 0
        fi
        sleep 0.5
    done
    log "not ready after 30 s; last lines of its log:"
    tail -n 30 "$STATE/server.log" >&2 || true
    exit 1
}

stop() {
    if [[ -f "$DATA/postmaster.pid" ]]; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
    else
        log "not running"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status)
        if ready; then echo "ready $HOST:$PORT"; else
            echo "not running"
            exit 3
        fi
        ;;
    info) echo "host=$HOST port=$PORT user=$ADMIN password_file=$TLS/admin-password ca=$TLS/ca.crt" ;;
    *)
        echo "usage: $0 start|stop|status|info" >&2
        exit 64
        ;;
esac
