import { Catalog, ServiceSpec } from "../../model/catalog";
import { GATEWAY, MONITORING, principal, serviceHost } from "../../model/wellknown";

/**
 * Who may call whom, derived once from the catalog. Every policy (AuthorizationPolicy, NetworkPolicy,
 * Sidecar egress) reads these relations, so the L7 and L3 rules can never disagree.
 */

/** A workload that calls a service: its namespace, `app` label and mesh principal. */
export interface Caller {
    readonly namespace: string;
    readonly app: string;
    readonly principal: string;
}

export interface Topology {
    readonly injectedNamespaces: readonly string[];
    /** Services that live in injected namespaces (the ones sidecars, policies and NetworkPolicies apply to). */
    readonly meshServices: readonly ServiceSpec[];
    callersOf(service: ServiceSpec): readonly Caller[];
    /** Services that workloads of `namespace` call (for egress scoping). */
    calleesFrom(namespace: string): readonly ServiceSpec[];
}

export function fqdn(service: ServiceSpec): string {
    return serviceHost(service.name, service.namespace);
}

const gatewayCaller: Caller = { namespace: GATEWAY.namespace, app: GATEWAY.app, principal: principal(GATEWAY.namespace, GATEWAY.serviceAccount) };

export function buildTopology(catalog: Catalog): Topology {
    const byName = new Map(catalog.services.map((s) => [s.name, s]));
    const injected = catalog.namespaces.filter((n) => n.injected).map((n) => n.name);
    const injectedSet = new Set(injected);
    const callers = new Map<string, Caller[]>();
    const callees = new Map<string, ServiceSpec[]>();
    const addCallee = (ns: string, svc: ServiceSpec): void => {
        const list = callees.get(ns) ?? [];
        if (!list.includes(svc)) {
            list.push(svc);
        }
        callees.set(ns, list);
    };

    for (const svc of catalog.services) {
        const list: Caller[] = [];
        for (const name of svc.callers) {
            const c = byName.get(name);
            if (c) {
                list.push({ namespace: c.namespace, app: c.app, principal: principal(c.namespace, c.serviceAccount) });
                addCallee(c.namespace, svc);
            }
        }
        if (svc.gateway && !list.some((c) => c.principal === gatewayCaller.principal)) {
            list.push(gatewayCaller);
            addCallee(GATEWAY.namespace, svc);
        }
        callers.set(svc.name, list);
    }
    // Prometheus scrapes every namespace; its egress must reach them all.
    for (const svc of catalog.services) {
        if (svc.namespace !== MONITORING.namespace && injectedSet.has(svc.namespace)) {
            addCallee(MONITORING.namespace, svc);
        }
    }

    return {
        injectedNamespaces: injected,
        meshServices: catalog.services.filter((s) => injectedSet.has(s.namespace)),
        callersOf: (svc) => callers.get(svc.name) ?? [],
        calleesFrom: (ns) => callees.get(ns) ?? [],
    };
}
