import { PlatformModel } from "../../model";
import { Catalog, ServiceSpec } from "../../model/catalog";
import { MeshModel } from "../../model/mesh";
import { GATEWAY, principal, serviceHost } from "../../model/wellknown";
import { defaultWorkloads, plaintextPortsOf, WorkloadsModel } from "../../model/workloads";
import type { TraceStorage } from "../../model/observability";

/**
 * Who may call whom, derived once from the catalog and the workload model. Every policy (AuthorizationPolicy,
 * NetworkPolicy, Sidecar egress) reads these relations, so the L7 and L3 rules cannot disagree.
 */

/** A sender: pods (namespace + the labels they really carry, their principal when they have a sidecar), or an address block. */
export type Caller =
    | { readonly kind: "pods"; readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly principal?: string }
    | { readonly kind: "addresses"; readonly name: string; readonly cidrs: readonly string[] };

/** What the mesh needs to know beyond its own settings and the catalog. */
export interface MeshContext {
    readonly workloads: WorkloadsModel;
    /** Catalog services that do not exist in this stack (the in-cluster database of an external-database stack). */
    readonly absent: readonly string[];
    /** Ports clients use to reach the Kafka brokers (the bootstrap servers' ports). */
    readonly kafkaClientPorts: readonly number[];
    /** Namespaces (an ingress controller's) allowed to call every meshed HTTP/gRPC service. */
    readonly extraCallerNamespaces: readonly string[];
    /** Where Jaeger keeps its traces (`observability.traces`); Jaeger's default Badger store when unset. */
    readonly traces?: TraceStorage;
}

export interface Topology {
    readonly injectedNamespaces: readonly string[];
    /** Services that live in injected namespaces and exist in this stack (the ones policies apply to). */
    readonly meshServices: readonly ServiceSpec[];
    readonly context: MeshContext;
    /** Identified callers (catalog callers and the gateway) on the service port. */
    callersOf(service: ServiceSpec): readonly Caller[];
    /** Plaintext ports with their senders: declared ones, and the service port when a caller has no sidecar. */
    plaintextOf(service: ServiceSpec): readonly { readonly port: number; readonly from: readonly Caller[] }[];
    /** Services that workloads of `namespace` call (for egress scoping). */
    calleesFrom(namespace: string): readonly ServiceSpec[];
}

export function fqdn(service: ServiceSpec): string {
    return serviceHost(service.name, service.namespace);
}

const KAFKA_DEFAULT = [9092, 9093];

/** The mesh context of a platform model: its workloads, absent services and Kafka ports. */
export function meshContext(model: PlatformModel): MeshContext {
    const ports = (model.events?.connection.bootstrapServers ?? []).map((s) => Number(/:(\d+)$/.exec(s)?.[1])).filter((p) => Number.isInteger(p) && p > 0);
    return {
        workloads: model.workloads,
        absent: model.gateway?.database.mode === "external" ? ["kong-postgres"] : [],
        kafkaClientPorts: ports.length > 0 ? [...new Set(ports)] : KAFKA_DEFAULT,
        extraCallerNamespaces: model.mesh.extraCallerNamespaces,
        traces: model.observability?.traces,
    };
}

/** The documented defaults (no `workloads` config), for callers that only have the mesh settings and the catalog. */
export function defaultMeshContext(catalog: Catalog, mesh: MeshModel): MeshContext {
    const workloads = defaultWorkloads(catalog, mesh.active.name);
    return { workloads, absent: [], kafkaClientPorts: KAFKA_DEFAULT, extraCallerNamespaces: mesh.extraCallerNamespaces };
}

/** The pods of a catalog service as a sender. */
export function serviceCaller(s: ServiceSpec): Caller {
    return { kind: "pods", name: s.name, namespace: s.namespace, labels: s.labels, ...(s.sidecar ? { principal: principal(s.namespace, s.serviceAccount) } : {}) };
}

const migrationsCaller: Caller = { kind: "pods", name: "kong-migrations", namespace: GATEWAY.namespace, labels: { ...GATEWAY.clientLabels, "app.kubernetes.io/component": "migrations" } };

export function buildTopology(catalog: Catalog, context: MeshContext): Topology {
    const present = catalog.services.filter((s) => !context.absent.includes(s.name));
    const byName = new Map(present.map((s) => [s.name, s]));
    const injected = catalog.namespaces.filter((n) => n.injected).map((n) => n.name);
    const injectedSet = new Set(injected);
    const gateway = byName.get(GATEWAY.proxyService);
    const callees = new Map<string, ServiceSpec[]>();
    const addCallee = (ns: string, svc: ServiceSpec): void => {
        const list = callees.get(ns) ?? [];
        if (!list.includes(svc)) {
            list.push(svc);
        }
        callees.set(ns, list);
    };
    const callers = new Map<string, Caller[]>();
    for (const svc of present) {
        const list = svc.callers.map((n) => byName.get(n)).filter((c): c is ServiceSpec => c !== undefined);
        if (svc.gateway && gateway && !list.includes(gateway)) {
            list.push(gateway);
        }
        list.forEach((c) => addCallee(c.namespace, svc));
        callers.set(svc.name, list.map(serviceCaller));
    }
    const resolve = (name: string): Caller | undefined => {
        if (name === "edge") {
            return context.workloads.edge && { kind: "addresses", name, cidrs: context.workloads.edge.cidrs };
        }
        if (name === migrationsCaller.name) {
            return migrationsCaller;
        }
        const s = byName.get(name);
        return s && serviceCaller(s);
    };
    for (const svc of present) {
        for (const sender of svc.plaintext.flatMap((p) => p.from).map(resolve)) {
            if (sender?.kind === "pods") {
                addCallee(sender.namespace, svc);
            }
        }
    }
    const plaintextOf = (svc: ServiceSpec): { port: number; from: Caller[] }[] => {
        const declared = svc.plaintext.map((p) => ({ port: p.port, from: p.from.map(resolve).filter((c): c is Caller => c !== undefined) }));
        // A caller without a sidecar reaches the service in plaintext: its port is kept PERMISSIVE for exactly it.
        const bare = (callers.get(svc.name) ?? []).filter((c) => c.kind === "pods" && c.principal === undefined);
        const derived = plaintextPortsOf(svc, present).filter((p) => !svc.plaintextPorts.includes(p));
        return [...declared, ...derived.map((port) => ({ port, from: bare }))];
    };
    return {
        injectedNamespaces: injected,
        meshServices: present.filter((s) => injectedSet.has(s.namespace)),
        context,
        callersOf: (svc) => callers.get(svc.name) ?? [],
        plaintextOf,
        calleesFrom: (ns) => callees.get(ns) ?? [],
    };
}
