#!/usr/bin/env bash
# A single-node Apache Kafka 4.x (KRaft, combined broker+controller) for tests, from Apache's jars on
# Maven Central: no Docker, no tarball, nothing listening beyond 127.0.0.1.
#
#   scripts/kafka/kafka.sh fetch              download the jars once into the cache (Maven)
#   scripts/kafka/kafka.sh fetch-tools        download kafka-tools (ProducerPerformance, for the benchmark) once; prints its classpath
#   scripts/kafka/kafka.sh start [--fresh]    fetch, write server.properties, format storage, start, wait until it answers
#   scripts/kafka/kafka.sh stop               controlled shutdown (SIGTERM, then wait), SIGKILL only after a timeout
#   scripts/kafka/kafka.sh restart            stop + start, keeping the data (topics and records survive)
#   scripts/kafka/kafka.sh status             exit 0 and print "ready" when the broker answers, exit 3 otherwise
#   scripts/kafka/kafka.sh bootstrap          print the bootstrap address (127.0.0.1:PORT)
#   scripts/kafka/kafka.sh pid                print the broker's pid (exit 3 when not running); the fault tests
#                                             SIGSTOP/SIGCONT it to make the broker's replies go missing
#
# `start` is idempotent: a broker already running and answering is left alone. `--fresh` wipes the data first.
# Environment (all optional):
#   KAFKA_CACHE_DIR   jar cache root           (default $HOME/.cache/254carbon)
#   KAFKA_STATE_DIR   data, logs, pid, config  (default ${TMPDIR:-/tmp}/254carbon-kafka-$KAFKA_VERSION)
#   KAFKA_PORT        client listener port     (default 19092; the controller listens on KAFKA_PORT+1)
#   KAFKA_HEAP_OPTS   JVM heap                 (default -Xms256m -Xmx768m)
#   KAFKA_READY_TIMEOUT seconds to wait for readiness (default 120)
#   KAFKA_TLS=1       also a SASL_SSL listener on KAFKA_PORT+2: a CA and a server certificate for 127.0.0.1 made
#                     with openssl under $KAFKA_STATE_DIR/tls (ca.crt), SCRAM-SHA-512 user KAFKA_SCRAM_USER (default
#                     platform-admin) with password KAFKA_SCRAM_PASSWORD (default: generated into tls/scram-password).
#                     SCRAM users are written when the storage is formatted: use it with a fresh state dir or --fresh.
#   KAFKA_ADVERTISE_AS=<host>  also a PLAINTEXT listener on KAFKA_PORT+3 that advertises <host>:KAFKA_PORT+3, the way
#                     a broker behind an in-cluster listener does (clients get an address they cannot reach)
#   KAFKA_ACL=1       (with KAFKA_TLS=1) the ACL authorizer, StandardAuthorizer, with nothing allowed unless an ACL
#                     says so; super users: the SCRAM user (the tests' administrator) and ANONYMOUS (the loopback
#                     PLAINTEXT listener, which the combined node's own broker-to-controller traffic uses).
#   `tls-info` prints those listeners' addresses and files. Without these variables nothing changes.
set -euo pipefail

# Pinned; keep equal to <kafka.version> in pom.xml (the script passes it to Maven, the pom holds the default).
KAFKA_VERSION="4.2.0"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${KAFKA_CACHE_DIR:-$HOME/.cache/254carbon}"
LIBS="$CACHE_ROOT/kafka-$KAFKA_VERSION/libs"
STATE="${KAFKA_STATE_DIR:-${TMPDIR:-/tmp}/254carbon-kafka-$KAFKA_VERSION}"
PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="$((PORT + 1))"
HOST="127.0.0.1"
PIDFILE="$STATE/kafka.pid"
READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-120}"
TLS_PORT="$((PORT + 2))"
ADVERTISED_PORT="$((PORT + 3))"
TLS_DIR="$STATE/tls"
SCRAM_USER="${KAFKA_SCRAM_USER:-platform-admin}"

log() { echo "[kafka.sh] $*" >&2; }

require_java() {
    if ! command -v java >/dev/null 2>&1; then
        log "java not found: Kafka 4.x needs Java 17+ (Debian: apt-get install -y openjdk-17-jre-headless)"
        exit 2
    fi
    local major
    major="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1)"
    if [[ -z "$major" || "$major" -lt 17 ]]; then
        log "java $major found: Kafka $KAFKA_VERSION brokers need Java 17 or newer"
        exit 2
    fi
}

fetch() {
    if [[ -f "$LIBS/.complete" ]]; then
        return 0
    fi
    if ! command -v mvn >/dev/null 2>&1; then
        log "mvn not found: the jars come from Maven Central through Maven (Debian: apt-get install -y maven)"
        exit 2
    fi
    log "downloading Apache Kafka $KAFKA_VERSION jars from Maven Central into $LIBS"
    local tmp="$LIBS.partial.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    local started=$SECONDS
    mvn -B -q --no-transfer-progress -Dstyle.color=never -f "$HERE/pom.xml" \
        -Dkafka.version="$KAFKA_VERSION" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >&2
    if [[ ! -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" || ! -f "$tmp/kafka-clients-$KAFKA_VERSION.jar" ]]; then
        log "Maven finished but kafka_2.13-$KAFKA_VERSION.jar or kafka-clients-$KAFKA_VERSION.jar is missing in $tmp"
        exit 1
    fi
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    {
        echo "version=$KAFKA_VERSION"
        echo "jars=$(find "$LIBS" -name '*.jar' | wc -l)"
        echo "bytes=$(du -sb "$LIBS" | cut -f1)"
        echo "seconds=$((SECONDS - started))"
    } >"$LIBS/.complete"
    log "jars ready: $(tr '\n' ' ' <"$LIBS/.complete")"
}

# kafka-tools of the same release (tools-pom.xml), in its own directory so the broker's jar set stays as it is.
TOOLS="$CACHE_ROOT/kafka-$KAFKA_VERSION/tools"
fetch_tools() {
    if [[ ! -f "$TOOLS/.complete" ]]; then
        command -v mvn >/dev/null 2>&1 || {
            log "mvn not found: the jars come from Maven Central through Maven (Debian: apt-get install -y maven)"
            exit 2
        }
        log "downloading kafka-tools $KAFKA_VERSION and its dependencies from Maven Central into $TOOLS"
        local tmp="$TOOLS.partial.$$" started=$SECONDS
        rm -rf "$tmp"
        mkdir -p "$tmp"
        mvn -B -q --no-transfer-progress -Dstyle.color=never -f "$HERE/tools-pom.xml" -Dkafka.version="$KAFKA_VERSION" \
            dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >&2
        [[ -f "$tmp/kafka-tools-$KAFKA_VERSION.jar" ]] || {
            log "Maven finished but kafka-tools-$KAFKA_VERSION.jar is missing in $tmp"
            exit 1
        }
        rm -rf "$TOOLS"
        mv "$tmp" "$TOOLS"
        echo "version=$KAFKA_VERSION jars=$(find "$TOOLS" -name '*.jar' | wc -l) seconds=$((SECONDS - started))" >"$TOOLS/.complete"
        log "kafka-tools ready: $(cat "$TOOLS/.complete")"
    fi
    echo "$TOOLS/*"
}

# The pid file's process is alive AND is this script's broker (a recycled pid must never be signalled).
pid_alive() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "kafka.Kafka $STATE/config/server.properties"
}

# One start/stop at a time per state dir (two test files starting the broker at once would race for the port).
lock() {
    mkdir -p "$STATE"
    exec 9>"$STATE/.lock"
    flock -w 600 9 || {
        log "another kafka.sh holds $STATE/.lock for more than 10 minutes"
        exit 1
    }
}

# JVM flags for the short-lived tools (probe, storage format): quick start matters more than peak speed.
TOOL_JVM_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m)

# Ready.java compiled once next to the jars (recompiled when the source is newer).
probe_classes() {
    local dir="$CACHE_ROOT/kafka-$KAFKA_VERSION/probe"
    if [[ ! -f "$dir/Ready.class" || "$HERE/Ready.java" -nt "$dir/Ready.class" ]]; then
        mkdir -p "$dir"
        javac -nowarn -cp "$LIBS/*" -d "$dir" "$HERE/Ready.java" >&2
    fi
    echo "$dir"
}

# Is anything listening on the client port? (bash's /dev/tcp; no JVM needed)
port_open() {
    (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null
}

# A real readiness check: the Kafka protocol through the broker's own Admin client (Ready.java).
probe() {
    local timeout="$1" classes
    classes="$(probe_classes)"
    java "${TOOL_JVM_OPTS[@]}" -Dlog4j2.configurationFile="$STATE/config/tools-log4j2.properties" \
        -cp "$LIBS/*:$classes" Ready "$HOST:$PORT" "$timeout"
}

# A CA, a server certificate for 127.0.0.1 signed by it (PKCS#12 keystore) and the SCRAM password, made once.
make_tls() {
    [[ -f "$TLS_DIR/server.p12" ]] && return 0
    command -v openssl >/dev/null 2>&1 || { log "openssl not found (Debian: apt-get install -y openssl)"; exit 2; }
    mkdir -p "$TLS_DIR"
    (
        cd "$TLS_DIR"
        umask 077
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=254carbon test Kafka CA" -keyout ca.key -out ca.crt 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=$HOST" -keyout server.key -out server.csr 2>/dev/null
        printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$HOST" >san.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile san.ext -out server.crt 2>/dev/null
        openssl rand -hex 16 >keystore-password
        openssl pkcs12 -export -in server.crt -inkey server.key -name kafka -passout "file:keystore-password" -out server.p12
        if [[ -n "${KAFKA_SCRAM_PASSWORD:-}" ]]; then printf '%s' "$KAFKA_SCRAM_PASSWORD" >scram-password; else openssl rand -hex 16 | tr -d '\n' >scram-password; fi
    )
    log "TLS material in $TLS_DIR (CA: $TLS_DIR/ca.crt)"
}

# Extra listeners asked for by KAFKA_TLS / KAFKA_ADVERTISE_AS (none by default): "listeners advertised protocol-map".
extra_listeners() {
    local l="" a="" m=""
    if [[ "${KAFKA_TLS:-}" == "1" ]]; then l+=",SASL_SSL://$HOST:$TLS_PORT"; a+=",SASL_SSL://$HOST:$TLS_PORT"; m+=",SASL_SSL:SASL_SSL"; fi
    if [[ -n "${KAFKA_ADVERTISE_AS:-}" ]]; then l+=",INCLUSTER://$HOST:$ADVERTISED_PORT"; a+=",INCLUSTER://$KAFKA_ADVERTISE_AS:$ADVERTISED_PORT"; m+=",INCLUSTER:PLAINTEXT"; fi
    echo "${l:-_} ${a:-_} ${m:-_}"
}

write_config() {
    mkdir -p "$STATE/config" "$STATE/logs"
    local extra_l extra_a extra_m
    read -r extra_l extra_a extra_m <<<"$(extra_listeners)"
    [[ "$extra_l" == "_" ]] && extra_l="" && extra_a="" && extra_m=""
    cat >"$STATE/config/server.properties" <<EOF
# Written by scripts/kafka/kafka.sh: single-node KRaft (broker + controller), loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT$extra_l
advertised.listeners=PLAINTEXT://$HOST:$PORT$extra_a
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT$extra_m
log.dirs=$STATE/data
# Topics come from the topic catalog only, never from a producer's typo.
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
# One broker: the internal topics cannot have more replicas than that, or consumer groups never get a coordinator.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Small segments and quick controlled shutdown keep test restarts fast.
log.segment.bytes=16777216
controlled.shutdown.enable=true
EOF
    if [[ "${KAFKA_ACL:-}" == "1" ]]; then
        [[ "${KAFKA_TLS:-}" == "1" ]] || { log "KAFKA_ACL=1 needs KAFKA_TLS=1 (the authenticated listener)"; exit 64; }
        # Kafka 4.2 docs, "Authorization and ACLs": the KRaft authorizer and its deny-by-default setting.
        cat >>"$STATE/config/server.properties" <<EOF
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$SCRAM_USER;User:ANONYMOUS
EOF
    fi
    if [[ "${KAFKA_TLS:-}" == "1" ]]; then
        make_tls
        cat >>"$STATE/config/server.properties" <<EOF
# KAFKA_TLS=1: SASL_SSL with SCRAM-SHA-512 on $HOST:$TLS_PORT.
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$TLS_DIR/server.p12
listener.name.sasl_ssl.ssl.keystore.password=$(cat "$TLS_DIR/keystore-password")
EOF
    fi
    cat >"$STATE/config/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $STATE/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = info
logger.state.name = state.change.logger
logger.state.level = warn
EOF
    cat >"$STATE/config/tools-log4j2.properties" <<EOF
status = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %p %m%n
rootLogger.level = error
rootLogger.appenderRef.console.ref = console
EOF
}

format_storage() {
    if [[ -f "$STATE/data/meta.properties" ]]; then
        return 0
    fi
    mkdir -p "$STATE/data"
    local cluster_id
    cluster_id="$(java "${TOOL_JVM_OPTS[@]}" -Dlog4j2.configurationFile="$STATE/config/tools-log4j2.properties" -cp "$LIBS/*" kafka.tools.StorageTool random-uuid)"
    log "formatting $STATE/data (cluster $cluster_id, standalone controller quorum)"
    local scram=()
    if [[ "${KAFKA_TLS:-}" == "1" ]]; then
        scram=(--add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$(cat "$TLS_DIR/scram-password")]")
    fi
    java "${TOOL_JVM_OPTS[@]}" -Dlog4j2.configurationFile="$STATE/config/tools-log4j2.properties" -cp "$LIBS/*" kafka.tools.StorageTool \
        format --standalone -t "$cluster_id" -c "$STATE/config/server.properties" "${scram[@]}" >"$STATE/logs/format.log" 2>&1 || {
        log "storage format failed:"
        cat "$STATE/logs/format.log" >&2
        exit 1
    }
}

start() {
    local fresh="${1:-}"
    require_java
    if pid_alive; then
        if port_open && probe 10 >/dev/null 2>&1; then
            log "already running (pid $(cat "$PIDFILE")) on $HOST:$PORT"
            return 0
        fi
        log "pid $(cat "$PIDFILE") is alive but does not answer; stopping it first"
        stop
    fi
    fetch
    if [[ "$fresh" == "--fresh" ]]; then
        log "wiping $STATE/data"
        rm -rf "$STATE/data"
    fi
    write_config
    format_storage
    local started=$SECONDS
    # setsid: the broker gets its own session, so it survives the shell that started it (test runners, CI steps);
    # 9>&-: it must not inherit the lock's descriptor, or it would hold the lock for as long as it runs.
    setsid java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} -XX:+UseG1GC -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$STATE/config/log4j2.properties" -Dkafka.logs.dir="$STATE/logs" \
        -cp "$LIBS/*" kafka.Kafka "$STATE/config/server.properties" \
        >"$STATE/logs/stdout.log" 2>&1 </dev/null 9>&- &
    echo $! >"$PIDFILE"
    log "started pid $(cat "$PIDFILE"); waiting until $HOST:$PORT answers (up to ${READY_TIMEOUT}s)"
    if ! probe "$READY_TIMEOUT" >&2; then
        log "broker did not become ready; last lines of its logs:"
        tail -n 40 "$STATE/logs/stdout.log" "$STATE/logs/server.log" >&2 2>/dev/null || true
        stop || true
        exit 1
    fi
    if ! pid_alive; then
        log "a broker answered on $HOST:$PORT but it is not the one this script started (port taken?)"
        exit 1
    fi
    log "ready on $HOST:$PORT after $((SECONDS - started))s (state in $STATE)"
}

stop() {
    if ! pid_alive; then
        rm -f "$PIDFILE"
        log "not running"
        return 0
    fi
    local pid
    pid="$(cat "$PIDFILE")"
    log "stopping pid $pid (controlled shutdown)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PIDFILE"
            log "stopped"
            return 0
        fi
        sleep 0.5
    done
    log "pid $pid did not stop within 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
}

status() {
    if pid_alive && port_open && probe 5 >/dev/null 2>&1; then
        echo "ready $HOST:$PORT pid $(cat "$PIDFILE")"
        return 0
    fi
    if pid_alive; then
        echo "running but not answering (pid $(cat "$PIDFILE")); see $STATE/logs/server.log"
    else
        echo "not running"
    fi
    return 3
}

case "${1:-}" in
    fetch) fetch ;;
    fetch-tools) fetch_tools ;;
    start)
        lock
        start "${2:-}"
        ;;
    stop)
        lock
        stop
        ;;
    restart)
        lock
        stop
        start
        ;;
    status) status ;;
    bootstrap) echo "$HOST:$PORT" ;;
    tls-info)
        if [[ "${KAFKA_TLS:-}" == "1" ]]; then echo "tls_bootstrap=$HOST:$TLS_PORT ca=$TLS_DIR/ca.crt user=$SCRAM_USER password_file=$TLS_DIR/scram-password"; fi
        if [[ -n "${KAFKA_ADVERTISE_AS:-}" ]]; then echo "advertised_bootstrap=$HOST:$ADVERTISED_PORT advertises=$KAFKA_ADVERTISE_AS:$ADVERTISED_PORT"; fi
        ;;
    pid)
        if pid_alive; then cat "$PIDFILE"; else
            echo "not running" >&2
            exit 3
        fi
        ;;
    *)
        echo "usage: $0 fetch|fetch-tools|start [--fresh]|stop|restart|status|bootstrap|pid" >&2
        exit 64
        ;;
esac
