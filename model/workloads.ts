import { Catalog, ServiceSpec } from "./catalog";
import { Problems } from "./errors";
import { Reader } from "./reader";
import { MESH_ROOT_NAMESPACE } from "./wellknown";

/**
 * The workloads the policies name but this program does not own, described the way their upstream chart or
 * operator really runs them: namespace, the labels their pods carry, service account (their mesh identity),
 * ports, and whether they have an Istio sidecar. Every default cites the upstream file it comes from; where
 * installations differ (kube-prometheus-stack vs the plain Prometheus chart, Strimzi vs another Kafka) the
 * stack config (`service-integration:workloads`) chooses. Policies select these pods by `podLabels`, never by
 * an invented `app: <name>`.
 */

export interface WorkloadPort {
    readonly port: number;
    readonly protocol: "TCP" | "UDP";
}

/** Who writes the pod template: only a plain Deployment may be patched (rolled) by this program. */
export interface WorkloadController {
    readonly kind: "Deployment" | "StatefulSet";
    readonly name: string;
    /** The operator that reconciles it (a patch would be reverted), or undefined for a Helm-rendered object. */
    readonly operator?: string;
}

export interface Workload {
    /** What this workload is (stable key used by flows and by other components). */
    readonly key: WorkloadKey;
    readonly namespace: string;
    /** Labels every pod of the workload carries (the chart's or operator's selector labels). */
    readonly podLabels: Readonly<Record<string, string>>;
    readonly serviceAccount: string;
    readonly ports: Readonly<Record<string, WorkloadPort>>;
    /** Whether its pods run an Istio sidecar (injected namespace and not opted out). */
    readonly sidecar: boolean;
    readonly controller?: WorkloadController;
    /** Upstream file (and version) the defaults come from. */
    readonly source: string;
}

/** An address block outside the pod network (the API server's endpoints, a load balancer's source range). */
export interface AddressBlock {
    readonly cidrs: readonly string[];
    readonly ports: Readonly<Record<string, WorkloadPort>>;
}

export const WORKLOAD_KEYS = ["prometheus", "grafana", "kafkaBrokers", "kafkaControllers", "kiali", "jaeger", "istiod", "dns"] as const;
export type WorkloadKey = (typeof WORKLOAD_KEYS)[number];

export const PROMETHEUS_FLAVOURS = ["kube-prometheus-stack", "prometheus"] as const;
export type PrometheusFlavour = (typeof PROMETHEUS_FLAVOURS)[number];
export const GRAFANA_FLAVOURS = ["grafana", "kube-prometheus-stack"] as const;
export type GrafanaFlavour = (typeof GRAFANA_FLAVOURS)[number];
export const KAFKA_FLAVOURS = ["strimzi", "other"] as const;
export type KafkaFlavour = (typeof KAFKA_FLAVOURS)[number];

export interface WorkloadsModel {
    readonly prometheusFlavour: PrometheusFlavour;
    readonly kafkaFlavour: KafkaFlavour;
    readonly byKey: Readonly<Record<WorkloadKey, Workload>>;
    /** The Kubernetes API server's endpoint addresses (what a NetworkPolicy sees after the Service's DNAT); undefined when not configured. */
    readonly apiServer?: AddressBlock;
    /** The load balancer or ingress in front of Kong (its source range), and the header carrying the client address. */
    readonly edge?: AddressBlock & { readonly realIpHeader: string };
}

/** Pinned upstream references the defaults below were read from. */
export const UPSTREAM = {
    kubePrometheusStack: "prometheus-community/helm-charts kube-prometheus-stack-88.5.3",
    prometheusOperator: "prometheus-operator v0.93.0",
    prometheusChart: "prometheus-community/helm-charts prometheus-29.27.0 (values.yaml server.name \"server\")",
    grafanaChart: "grafana/helm-charts grafana-10.5.15",
    strimzi: "strimzi-kafka-operator 1.2.0",
    kiali: "kiali/helm-charts v2.17.0 and v2.26.0 (the charts for Istio 1.28 and 1.30: same labels, account, ports)",
    jaeger: "jaegertracing/helm-charts jaeger-4.11.1",
    istio: "istio.io/istio (istioctl's module, release-1.30 9739e10eb9d7; same in 1.28) manifests/charts/istio-control/istio-discovery",
    coredns: "kubernetes cmd/kubeadm/app/phases/addons/dns/manifests.go (v1.37)",
} as const;

const tcp = (port: number): WorkloadPort => ({ port, protocol: "TCP" });

/** Whether pods in `namespace` get a sidecar: the catalog says which namespaces carry the injection label. */
function injected(catalog: Catalog, namespace: string): boolean {
    return catalog.namespaces.some((n) => n.name === namespace && n.injected);
}

function prometheus(r: Reader, catalog: Catalog): { flavour: PrometheusFlavour; release: string; workload: Workload } {
    const flavour = r.oneOf("flavour", PROMETHEUS_FLAVOURS, "kube-prometheus-stack");
    const namespace = r.string("namespace", "monitoring");
    const sidecar = r.boolean("sidecar", injected(catalog, namespace));
    if (flavour === "kube-prometheus-stack") {
        const release = r.string("release", "kube-prometheus-stack");
        // templates/_helpers.tpl: fullname = release when it contains the chart name, else "<release>-kube-prometheus-stack" (26 chars);
        // prometheus.crname = "<fullname>-prometheus"; prometheus.serviceAccountName = "<fullname>-prometheus".
        const fullname = (release.includes("kube-prometheus-stack") ? release : `${release}-kube-prometheus-stack`).slice(0, 26).replace(/-+$/, "");
        const cr = `${fullname}-prometheus`;
        return {
            flavour,
            release,
            workload: {
                key: "prometheus",
                namespace,
                // prometheus-operator pkg/prometheus/server/operator.go makeSelectorLabels (v0.93.0): the StatefulSet's pods
                // carry app.kubernetes.io/name=prometheus, app.kubernetes.io/instance=<cr>, operator.prometheus.io/name=<cr>, prometheus=<cr>.
                podLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": cr },
                serviceAccount: cr,
                // values.yaml prometheus.prometheusSpec: web port 9090 (portName http-web).
                ports: { web: tcp(9090) },
                sidecar,
                // pkg/prometheus/server/statefulset.go: StatefulSet "prometheus-<cr>", reconciled by the operator.
                controller: { kind: "StatefulSet", name: `prometheus-${cr}`, operator: "prometheus-operator" },
                source: `${UPSTREAM.kubePrometheusStack} templates/_helpers.tpl; ${UPSTREAM.prometheusOperator} pkg/prometheus/server/operator.go`,
            },
        };
    }
    const release = r.string("release", "prometheus");
    // charts/prometheus templates/_helpers.tpl: server fullname "<fullname>-server"; selector labels
    // app.kubernetes.io/name=prometheus, app.kubernetes.io/instance=<release>, app.kubernetes.io/component=server.
    const fullname = release.includes("prometheus") ? release : `${release}-prometheus`;
    return {
        flavour,
        release,
        workload: {
            key: "prometheus",
            namespace,
            podLabels: { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": release, "app.kubernetes.io/component": "server" },
            serviceAccount: `${fullname}-server`,
            ports: { web: tcp(9090) },
            sidecar,
            controller: { kind: "Deployment", name: `${fullname}-server` },
            source: `${UPSTREAM.prometheusChart} templates/_helpers.tpl, templates/deploy.yaml`,
        },
    };
}

function grafana(r: Reader, catalog: Catalog, prometheusRelease: string): Workload {
    const flavour = r.oneOf("flavour", GRAFANA_FLAVOURS, "grafana");
    const namespace = r.string("namespace", "monitoring");
    // The grafana chart's templates/_helpers.tpl: selector labels app.kubernetes.io/name=grafana, app.kubernetes.io/instance=<release>;
    // serviceAccountName = fullname (release when it contains "grafana"); container port 3000 (values.yaml service.targetPort).
    // As kube-prometheus-stack's subchart the release is the stack's, so fullname is "<release>-grafana".
    const release = flavour === "grafana" ? r.string("release", "grafana") : prometheusRelease;
    const fullname = release.includes("grafana") ? release : `${release}-grafana`;
    return {
        key: "grafana",
        namespace,
        podLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": release },
        serviceAccount: fullname,
        ports: { http: tcp(3000) },
        sidecar: r.boolean("sidecar", injected(catalog, namespace)),
        controller: { kind: "Deployment", name: fullname },
        source: `${UPSTREAM.grafanaChart} charts/grafana/templates/_helpers.tpl, values.yaml`,
    };
}

function labelMap(r: Reader, key: string): Record<string, string> {
    const raw = r.raw(key);
    if (raw === null || typeof raw !== "object" || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== "string") || Object.keys(raw).length === 0) {
        r.problems.add(r.at(key), raw, "must be a non-empty mapping of label keys to string values", `set ${r.at(key)} to the labels the pods really carry, e.g. { "app.kubernetes.io/name": "kafka" }`);
        return {};
    }
    return raw as Record<string, string>;
}

function kafka(r: Reader, catalog: Catalog): { flavour: KafkaFlavour; brokers: Workload; controllers: Workload } {
    const flavour = r.oneOf("flavour", KAFKA_FLAVOURS, "strimzi");
    const namespace = r.string("namespace", "data-platform");
    const sidecar = r.boolean("sidecar", injected(catalog, namespace));
    // Listener ports are whatever the installation's Kafka resource declares; the contract and the policies use the
    // stack's bootstrap servers' ports, and these only when the stack names none (Strimzi's documented plain/tls examples).
    const clientPorts = (r.raw("clientPorts") as number[] | undefined) ?? [9092, 9093];
    if (!Array.isArray(clientPorts) || clientPorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
        r.problems.add(r.at("clientPorts"), clientPorts, "must be a list of port numbers", "list the brokers' listener ports, e.g. [9092, 9093]");
    }
    const listeners = Object.fromEntries((Array.isArray(clientPorts) ? clientPorts : []).map((p) => [`client-${p}`, tcp(p)]));
    if (flavour === "strimzi") {
        const cluster = r.string("cluster", "kafka");
        // strimzi KafkaCluster.java: REPLICATION_PORT 9091 (tcp-replication), CONTROLPLANE_PORT 9090 (tcp-ctrlplane); user
        // listeners on the ports the Kafka CR declares. Labels: ResourceLabels.java strimzi.io/cluster, strimzi.io/name=<cluster>-kafka
        // (KafkaResources.kafkaComponentName); Labels.java strimzi.io/broker-role / strimzi.io/controller-role = "true" per node role.
        // The pods run as the ServiceAccount "<cluster>-kafka" (the component name).
        const base = { "strimzi.io/cluster": cluster, "strimzi.io/name": `${cluster}-kafka` };
        const common = { namespace, serviceAccount: `${cluster}-kafka`, sidecar, source: `${UPSTREAM.strimzi} KafkaCluster.java, ResourceLabels.java, Labels.java` };
        return {
            flavour,
            brokers: { key: "kafkaBrokers", ...common, podLabels: { ...base, "strimzi.io/broker-role": "true" }, ports: { ...listeners, replication: tcp(9091) }, controller: { kind: "StatefulSet", name: `${cluster}-kafka`, operator: "strimzi" } },
            controllers: { key: "kafkaControllers", ...common, podLabels: { ...base, "strimzi.io/controller-role": "true" }, ports: { controlplane: tcp(9090) }, controller: { kind: "StatefulSet", name: `${cluster}-kafka`, operator: "strimzi" } },
        };
    }
    // Another installation: nothing can be assumed, so its labels, identity and ports are required config.
    const brokers = r.child("brokers");
    const controllers = r.child("controllers");
    const port = (c: Reader, key: string): WorkloadPort => tcp(c.int(key, undefined, 1, 65535));
    const result = {
        flavour,
        brokers: { key: "kafkaBrokers" as const, namespace, podLabels: labelMap(brokers, "podLabels"), serviceAccount: brokers.string("serviceAccount"), ports: { ...listeners, replication: port(brokers, "replicationPort") }, sidecar, source: "stack config" },
        controllers: { key: "kafkaControllers" as const, namespace, podLabels: labelMap(controllers, "podLabels"), serviceAccount: controllers.string("serviceAccount"), ports: { controlplane: port(controllers, "controllerPort") }, sidecar, source: "stack config" },
    };
    brokers.done();
    controllers.done();
    return result;
}

/** kiali-server chart: _helpers.tpl selectorLabels (app.kubernetes.io/name=kiali, app.kubernetes.io/instance=<instance_name>), deployment.yaml. */
function kiali(catalog: Catalog): Workload {
    return {
        key: "kiali",
        namespace: MESH_ROOT_NAMESPACE,
        podLabels: { "app.kubernetes.io/name": "kiali", "app.kubernetes.io/instance": "kiali" },
        // deployment.yaml: serviceAccountName = fullname = deployment.instance_name ("kiali", pinned in components/mesh/controlplane.ts).
        serviceAccount: "kiali",
        // deployment.yaml: api-port 20001, http-metrics 9090.
        ports: { api: tcp(20001), metrics: tcp(9090) },
        // The chart adds no injection label; the root namespace is not injected, so Kiali has no sidecar and no mesh identity.
        sidecar: injected(catalog, MESH_ROOT_NAMESPACE),
        controller: { kind: "Deployment", name: "kiali" },
        source: `${UPSTREAM.kiali} kiali-server/templates/_helpers.tpl, deployment.yaml`,
    };
}

/** jaeger chart v2 all-in-one: templates/jaeger/jaeger-deploy.yaml, _helpers.tpl selectorLabels; fullnameOverride "jaeger". */
function jaeger(catalog: Catalog): Workload {
    return {
        key: "jaeger",
        namespace: MESH_ROOT_NAMESPACE,
        podLabels: { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": "jaeger", "app.kubernetes.io/component": "all-in-one" },
        // serviceAccountName = jaeger.fullname (fullnameOverride).
        serviceAccount: "jaeger",
        ports: { queryHttp: tcp(16686), queryGrpc: tcp(16685), otlpGrpc: tcp(4317), otlpHttp: tcp(4318) },
        sidecar: injected(catalog, MESH_ROOT_NAMESPACE),
        controller: { kind: "Deployment", name: "jaeger" },
        source: `${UPSTREAM.jaeger} charts/jaeger/templates/jaeger/jaeger-deploy.yaml, _helpers.tpl`,
    };
}

/** istiod chart templates/deployment.yaml: pod labels app=istiod, istio.io/rev=<rev>, sidecar.istio.io/inject "false"; SA istiod-<rev>. */
export function istiodWorkload(revision: string): Workload {
    return {
        key: "istiod",
        namespace: MESH_ROOT_NAMESPACE,
        podLabels: { app: "istiod", "istio.io/rev": revision },
        serviceAccount: `istiod-${revision}`,
        // containerPorts 15010 (grpc-xds), 15012 (https-dns, XDS+CA over mTLS), 15014 (http-monitoring), 15017 (webhook).
        ports: { xds: tcp(15012), monitoring: tcp(15014), webhook: tcp(15017) },
        sidecar: false,
        controller: { kind: "Deployment", name: `istiod-${revision}` },
        source: `${UPSTREAM.istio}/templates/deployment.yaml, serviceaccount.yaml`,
    };
}

/** CoreDNS as kubeadm deploys it: label k8s-app=kube-dns in kube-system, ports 53/UDP and 53/TCP, SA coredns. */
function dns(): Workload {
    return {
        key: "dns",
        namespace: "kube-system",
        podLabels: { "k8s-app": "kube-dns" },
        serviceAccount: "coredns",
        ports: { dnsUdp: { port: 53, protocol: "UDP" }, dnsTcp: tcp(53) },
        sidecar: false,
        source: UPSTREAM.coredns,
    };
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function cidrs(r: Reader, key: string): string[] {
    const list = r.stringList(key);
    for (const c of list) {
        const m = CIDR.exec(c);
        if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
            r.problems.add(r.at(key), c, "is not an IPv4 CIDR", "write it as a.b.c.d/n, e.g. 10.0.0.1/32");
        }
    }
    if (list.length === 0) {
        r.problems.add(r.at(key), list, "names no address", "list at least one CIDR");
    }
    return list;
}

/** Reads `service-integration:workloads` (every key optional: the documented defaults apply). */
export function parseWorkloadsConfig(r: Reader, catalog: Catalog, activeRevision: string): WorkloadsModel {
    const promReader = r.child("prometheus");
    const prom = prometheus(promReader, catalog);
    promReader.done();
    const grafanaReader = r.child("grafana");
    const graf = grafana(grafanaReader, catalog, prom.release);
    grafanaReader.done();
    const kafkaReader = r.child("kafka");
    const k = kafka(kafkaReader, catalog);
    kafkaReader.done();
    const api = r.has("apiServer") ? r.child("apiServer") : undefined;
    const apiServer = api && { cidrs: cidrs(api, "cidrs"), ports: { https: tcp(api.int("port", 6443, 1, 65535)) } };
    api?.done();
    const edgeReader = r.has("edge") ? r.child("edge") : undefined;
    const edge = edgeReader && { cidrs: cidrs(edgeReader, "cidrs"), ports: {}, realIpHeader: edgeReader.string("realIpHeader", "X-Forwarded-For") };
    edgeReader?.done();
    r.done();
    return {
        prometheusFlavour: prom.flavour,
        kafkaFlavour: k.flavour,
        byKey: {
            prometheus: prom.workload,
            grafana: graf,
            kafkaBrokers: k.brokers,
            kafkaControllers: k.controllers,
            kiali: kiali(catalog),
            jaeger: jaeger(catalog),
            istiod: istiodWorkload(activeRevision),
            dns: dns(),
        },
        apiServer,
        edge,
    };
}

/** Whether a workload we do not own runs an Istio sidecar (observability uses it to pick the reporter). */
export function workloadHasSidecar(model: WorkloadsModel, key: WorkloadKey): boolean {
    return model.byKey[key].sidecar;
}

/** Whether a catalog service's pods run a sidecar (declared, or bound to a workload, or its namespace's injection). */
export function serviceHasSidecar(service: ServiceSpec): boolean {
    return service.sidecar;
}

/**
 * The catalog with each service bound to a workload (`"workload": "prometheus"`) taking that workload's real
 * labels, identity and sidecar; its rollout patch only where the pod template is a plain Deployment (an operator
 * would revert a patch of the StatefulSet it reconciles, and patching a Deployment that does not exist fails `pulumi up`).
 */
export function bindWorkloads(catalog: Catalog, workloads: WorkloadsModel, problems: Problems): Catalog {
    const services = catalog.services.map((svc): ServiceSpec => {
        if (svc.workload === undefined) {
            return svc;
        }
        const w = workloads.byKey[svc.workload];
        if (w.namespace !== svc.namespace) {
            problems.add(`catalog.services.${svc.name}.namespace`, svc.namespace, `is not where the ${svc.workload} workload runs (${w.namespace}, ${w.source})`, `set it to ${w.namespace}, or set service-integration:workloads.${svc.workload}.namespace to ${svc.namespace}`);
        }
        const rollable = w.controller?.kind === "Deployment" && w.controller.operator === undefined;
        return { ...svc, labels: w.podLabels, serviceAccount: w.serviceAccount, sidecar: w.sidecar, deployment: rollable ? w.controller!.name : undefined };
    });
    return { ...catalog, services };
}

/** The documented defaults (no `workloads` config), for components given only a catalog (component tests). */
export function defaultWorkloads(catalog: Catalog, activeRevision: string): WorkloadsModel {
    return parseWorkloadsConfig(new Reader("workloads", {}, new Problems()), catalog, activeRevision);
}

/** The catalog's Kafka clients: services that produce or consume a topic (catalog `produces` / `consumes`). */
export function kafkaClients(services: readonly ServiceSpec[]): ServiceSpec[] {
    return services.filter((s) => s.produces.length > 0 || s.consumes.length > 0);
}

/**
 * The ports of a service reached without mTLS: its declared plaintext ports, and its own port when one of its
 * callers runs without a sidecar (Kiali → Prometheus). The mesh keeps exactly these PERMISSIVE; verify accepts
 * exactly these.
 */
export function plaintextPortsOf(service: ServiceSpec, services: readonly ServiceSpec[]): number[] {
    const byName = servicesByName(services);
    const bareCaller = service.sidecar && service.callers.some((c) => byName.get(c)?.sidecar === false);
    return [...new Set([...service.plaintextPorts, ...(bareCaller ? [service.port] : [])])];
}

/** One name index per (readonly) list of services: callers are looked up for every service of the list in turn. */
const indexes = new WeakMap<readonly ServiceSpec[], ReadonlyMap<string, ServiceSpec>>();

function servicesByName(services: readonly ServiceSpec[]): ReadonlyMap<string, ServiceSpec> {
    let index = indexes.get(services);
    if (index === undefined) {
        index = new Map(services.map((s) => [s.name, s]));
        indexes.set(services, index);
    }
    return index;
}
