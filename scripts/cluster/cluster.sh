#!/usr/bin/env bash
# A real Kubernetes control plane on 127.0.0.1 for tests: etcd, kube-apiserver (RBAC on),
# kube-controller-manager (its garbage collector clears the foregroundDeletion finalizer the
# Pulumi provider deletes with), kube-scheduler, and kwok (fake nodes: pods become Ready, Jobs
# Complete, PVCs Bound). Binaries come from scripts/tools/install-cluster.sh.
#
#   scripts/cluster/cluster.sh start [--fresh]   start (a no-op when already up; a half-started one is cleaned up first)
#   scripts/cluster/cluster.sh stop              stop what this script started (recorded PIDs only)
#   scripts/cluster/cluster.sh status            "ready <server>" and exit 0, or exit 3
#   scripts/cluster/cluster.sh kubeconfig [admin|restricted]   print the kubeconfig path
#   scripts/cluster/cluster.sh env               print exports: KUBECONFIG, CLUSTER_* paths
#
# Environment (all optional): CLUSTER_STATE_DIR (default out/cluster in the project, git-ignored),
# CLUSTER_APISERVER_PORT (6443), CLUSTER_ETCD_PORT (2379; peer port +1), CLUSTER_KWOK_PORT (10250),
# CLUSTER_CM_PORT (10257), CLUSTER_SCHEDULER_PORT (10259), CLUSTER_READY_TIMEOUT (60 s),
# CLUSTER_KWOK_EXTRA_CONFIG (extra kwok config files, space-separated: e.g. ClusterPortForward).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/../tools"
eval "$(bash "$tools/env.sh")"
TOOLS_BIN_DIR="$(bash "$tools/env.sh" --bin)"

STATE="${CLUSTER_STATE_DIR:-$(cd "$here/../.." && pwd)/out/cluster}"
API_PORT="${CLUSTER_APISERVER_PORT:-6443}"
ETCD_PORT="${CLUSTER_ETCD_PORT:-2379}"
ETCD_PEER_PORT="$((ETCD_PORT + 1))"
KWOK_PORT="${CLUSTER_KWOK_PORT:-10250}"
CM_PORT="${CLUSTER_CM_PORT:-10257}"
SCHED_PORT="${CLUSTER_SCHEDULER_PORT:-10259}"
READY_TIMEOUT="${CLUSTER_READY_TIMEOUT:-60}"
HOST=127.0.0.1
SERVER="https://$HOST:$API_PORT"
PKI="$STATE/pki"
RUN="$STATE/run"
LOGS="$STATE/logs"
# The Service CIDR's first address is the `kubernetes` Service's ClusterIP (a SAN of the serving cert).
SERVICE_CIDR=10.0.0.0/24
SERVICE_IP=10.0.0.1
POD_CIDR=10.0.1.0/24
NODE_NAME=kwok-node-0
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { echo "[cluster.sh] $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

require_tools() {
  local b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok openssl; do
    command -v "$b" >/dev/null || die "$b is not built: run scripts/tools/install-cluster.sh (openssl: apt-get install -y openssl)"
  done
  [[ -d "$TOOLS_BIN_DIR/kwok-stages" ]] || die "kwok's stages are missing: run scripts/tools/install-cluster.sh kwok"
}

# --- PKI -------------------------------------------------------------------------------------
# cert NAME SUBJECT [SANS] [EXT]: a key and a certificate signed by the cluster CA.
cert() {
  local name="$1" subject="$2" sans="${3:-}" ext="$PKI/$1.ext"
  [[ -f "$PKI/$name.crt" ]] && return 0
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  if [[ -n "$sans" ]]; then
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$sans" >"$ext"
  else
    printf 'extendedKeyUsage=clientAuth\n' >"$ext"
  fi
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

make_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  if [[ ! -f "$PKI/ca.crt" ]]; then
    openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=254carbon-local-ca" -days 30 -sha256 -out "$PKI/ca.crt" 2>/dev/null
  fi
  local dns="DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert apiserver "/CN=kube-apiserver" "IP:$HOST,IP:$SERVICE_IP,$dns"
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  cert admin "/O=system:masters/CN=254carbon-admin"
  # A second identity with no groups and no bindings: tests grant it exactly what they test.
  cert restricted "/CN=254carbon-restricted"
  cert controller-manager "/CN=system:kube-controller-manager"
  cert scheduler "/CN=system:kube-scheduler"
  # kwok manages nodes and pods cluster-wide; it runs as an admin of this test cluster.
  cert kwok "/O=system:masters/CN=kwok"
  cert kwok-serving "/CN=$NODE_NAME" "IP:$HOST,DNS:$NODE_NAME"
  [[ -f "$PKI/sa.key" ]] || {
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  }
  chmod 600 "$PKI"/*.key
  local who
  for who in admin restricted controller-manager scheduler kwok; do write_kubeconfig "$who"; done
}

write_kubeconfig() {
  local who="$1" file="$STATE/$1.kubeconfig"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: 254carbon-local
  cluster:
    server: $SERVER
    certificate-authority: $PKI/ca.crt
users:
- name: $who
  user:
    client-certificate: $PKI/$who.crt
    client-key: $PKI/$who.key
contexts:
- name: 254carbon-local-$who
  context: {cluster: 254carbon-local, user: $who}
current-context: 254carbon-local-$who
EOF
  chmod 600 "$file"
}

# --- processes -------------------------------------------------------------------------------
pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }

# Alive and still the program this script started (a recycled PID is not ours).
alive() {
  local pid
  pid="$(pid_of "$1")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$1"
}

launch() {
  local name="$1"
  shift
  mkdir -p "$RUN" "$LOGS"
  # setsid: a test runner's process group ending does not take the control plane down mid-run.
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN/$name.pid"
  # Until the child has exec'd, /proc shows this script's command line: wait for the program's own (<= 5 s).
  local i
  for ((i = 0; i < 100; i++)); do
    alive "$name" && return 0
    kill -0 "$!" 2>/dev/null || return 0
    sleep 0.05
  done
}

fail_start() {
  local name="$1"
  log "$name did not become ready within ${READY_TIMEOUT}s; last lines of $LOGS/$name.log:"
  tail -n 25 "$LOGS/$name.log" >&2 || true
  stop_all
  exit 1
}

# wait_for NAME COMMAND...: until COMMAND succeeds, NAME dies, or the timeout.
wait_for() {
  local name="$1" deadline=$((SECONDS + READY_TIMEOUT))
  shift
  until "$@" >/dev/null 2>&1; do
    alive "$name" || fail_start "$name"
    ((SECONDS < deadline)) || fail_start "$name"
    sleep 0.3
  done
}

https_ok() { curl -fsS --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$1"; }
healthz_ok() { curl -fsSk --max-time 2 "$1"; }

start_etcd() {
  launch etcd etcd --name local --data-dir "$STATE/etcd" \
    --listen-client-urls "http://$HOST:$ETCD_PORT" --advertise-client-urls "http://$HOST:$ETCD_PORT" \
    --listen-peer-urls "http://$HOST:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://$HOST:$ETCD_PEER_PORT" \
    --initial-cluster "local=http://$HOST:$ETCD_PEER_PORT" --listen-metrics-urls "" --log-level warn
  wait_for etcd curl -fsS --max-time 2 "http://$HOST:$ETCD_PORT/health"
}

# Admission webhooks are off: no istiod process runs here to answer the chart's injection and validation
# webhooks, and the API server must never dial a Service or pod address (unroutable private addresses on this
# machine). ValidatingAdmissionPolicies (CEL, evaluated in the API server) stay on.
start_apiserver() {
  launch kube-apiserver kube-apiserver --bind-address="$HOST" --advertise-address="$HOST" --secure-port="$API_PORT" \
    --etcd-servers="http://$HOST:$ETCD_PORT" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --disable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer="https://kubernetes.default.svc.cluster.local" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --endpoint-reconciler-type=none
  wait_for kube-apiserver https_ok "$SERVER/readyz"
}

start_controller_manager() {
  launch kube-controller-manager kube-controller-manager --kubeconfig="$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
    --bind-address="$HOST" --secure-port="$CM_PORT" --leader-elect=false \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --use-service-account-credentials=true --service-cluster-ip-range="$SERVICE_CIDR"
  wait_for kube-controller-manager healthz_ok "https://$HOST:$CM_PORT/healthz"
}

start_scheduler() {
  launch kube-scheduler kube-scheduler --kubeconfig="$STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig="$STATE/scheduler.kubeconfig" --authorization-kubeconfig="$STATE/scheduler.kubeconfig" \
    --bind-address="$HOST" --secure-port="$SCHED_PORT" --leader-elect=false
  wait_for kube-scheduler healthz_ok "https://$HOST:$SCHED_PORT/healthz"
}

# The node keeps a Lease (kwok --node-lease-duration-seconds): without one, the node lifecycle controller judges the
# node by its status heartbeat, which kwok patches about once a minute, past the controller's grace period; it then
# marks every pod on the node NotReady and nothing marks them Ready again.
start_kwok() {
  local -a config=()
  local f
  for f in "$TOOLS_BIN_DIR"/kwok-stages/*.yaml ${CLUSTER_KWOK_EXTRA_CONFIG:-}; do
    # The StorageClass is a cluster object, applied below; the rest are kwok Stages.
    grep -q '^kind: Stage' "$f" 2>/dev/null || grep -q '^kind: ClusterPortForward\|^kind: PortForward' "$f" || continue
    config+=(-c "$f")
  done
  launch kwok kwok --kubeconfig="$STATE/kwok.kubeconfig" "${config[@]}" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds=40 \
    --cidr="$POD_CIDR" --node-ip="$HOST" --node-port="$KWOK_PORT" --server-address="$HOST:$KWOK_PORT" \
    --tls-cert-file="$PKI/kwok-serving.crt" --tls-private-key-file="$PKI/kwok-serving.key"
  local kc=(kubectl --kubeconfig="$STATE/admin.kubeconfig")
  "${kc[@]}" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {kubernetes.io/hostname: $NODE_NAME, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}
status:
  allocatable: {cpu: "64", memory: 256Gi, pods: "250", ephemeral-storage: 500Gi}
  capacity: {cpu: "64", memory: 256Gi, pods: "250", ephemeral-storage: 500Gi}
EOF
  "${kc[@]}" apply -f "$TOOLS_BIN_DIR/kwok-stages/volume-fast-storage-class.yaml" >/dev/null
  wait_for kwok "${kc[@]}" wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
  # Pods need the namespace's default ServiceAccount, which the controller-manager creates.
  wait_for kube-controller-manager "${kc[@]}" get serviceaccount default -n default
}

stop_all() {
  local i name pid
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    name="${COMPONENTS[$i]}"
    if alive "$name"; then
      pid="$(pid_of "$name")"
      kill -TERM "$pid" 2>/dev/null || true
      local deadline=$((SECONDS + 15))
      while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN/$name.pid"
  done
}

ready() { alive kube-apiserver && https_ok "$SERVER/readyz" >/dev/null 2>&1; }

all_alive() {
  local c
  for c in "${COMPONENTS[@]}"; do alive "$c" || return 1; done
}

start() {
  local fresh=0
  [[ "${1:-}" == "--fresh" ]] && fresh=1
  require_tools
  exec 9>"$STATE/.lock"
  flock 9
  if ((fresh == 0)) && all_alive && ready; then
    log "already running at $SERVER (no-op)"
    return 0
  fi
  # A half-started or crashed control plane: stop what is left, then start cleanly.
  stop_all
  ((fresh == 1)) && rm -rf "$STATE/etcd" "$LOGS"
  mkdir -p "$STATE"
  local started=$SECONDS
  make_pki
  start_etcd
  start_apiserver
  start_controller_manager
  start_scheduler
  start_kwok
  log "ready at $SERVER in $((SECONDS - started))s (state $STATE; admin kubeconfig $STATE/admin.kubeconfig)"
}

main() {
  mkdir -p "$STATE"
  case "${1:-}" in
    start) shift; start "$@" ;;
    stop)
      exec 9>"$STATE/.lock"
      flock 9
      stop_all
      log "stopped"
      ;;
    status)
      if ready; then echo "ready $SERVER"; else echo "not running"; exit 3; fi
      ;;
    kubeconfig) echo "$STATE/${2:-admin}.kubeconfig" ;;
    env)
      printf 'export KUBECONFIG=%q\nexport CLUSTER_SERVER=%q\nexport CLUSTER_STATE_DIR=%q\nexport CLUSTER_RESTRICTED_KUBECONFIG=%q\n' \
        "$STATE/admin.kubeconfig" "$SERVER" "$STATE" "$STATE/restricted.kubeconfig"
      ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
}

main "$@"
