import { PlatformModel } from "../model";
import { ServiceSpec } from "../model/catalog";
import { GATEWAY, principal, REVISION_LABEL } from "../model/wellknown";
import { Workload, WorkloadKey } from "../model/workloads";

/**
 * The pods (and address blocks) the connectivity contract sends traffic between: the catalog's services, the
 * workloads of model/workloads.ts, Kong's migrations, the API server, the load balancer in front of Kong, and
 * "strangers" — a pod no rule names, in every namespace, so that forbidden flows have a sender.
 * Each carries exactly the labels its real pods carry; IPs are only there for ipBlock rules.
 */

export interface PodPeer {
    readonly kind: "pod";
    /** Stable name used in flow ids: a catalog service name, a workload key, `kong-migrations`, `stranger@<ns>`. */
    readonly name: string;
    readonly namespace: string;
    readonly namespaceLabels: Readonly<Record<string, string>>;
    readonly podLabels: Readonly<Record<string, string>>;
    readonly ip: string;
    readonly sidecar: boolean;
    /** The mTLS identity its sidecar presents (only with a sidecar). */
    readonly principal?: string;
}

export interface ExternalPeer {
    readonly kind: "external";
    readonly name: string;
    readonly ip: string;
    readonly cidrs: readonly string[];
}

export type Peer = PodPeer | ExternalPeer;

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
/** Kong's migrations Jobs (run-to-completion, no sidecar), a sender of plaintext to the in-cluster database. */
export const MIGRATIONS_PEER = "kong-migrations";
export const EDGE_PEER = "edge";
export const API_SERVER_PEER = "kube-apiserver";
export const STRANGER_LABEL = { "contract.254carbon.io/stranger": "true" } as const;
/** A pod network for the modelled pods (kubeadm's default pod CIDR), outside every configured address block. */
const POD_NETWORK = [10, 244];

export class PeerSet {
    private readonly byName = new Map<string, Peer>();
    private next = 1;

    constructor(private readonly model: PlatformModel) {}

    namespaceLabels(ns: string): Record<string, string> {
        const injected = this.model.catalog.namespaces.some((n) => n.name === ns && n.injected);
        return { [NAMESPACE_NAME_LABEL]: ns, ...(injected && this.model.components.mesh ? { [REVISION_LABEL]: this.model.mesh.revisionTag } : {}) };
    }

    private ip(): string {
        const n = this.next++;
        return `${POD_NETWORK[0]}.${POD_NETWORK[1]}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    }

    pod(name: string, namespace: string, podLabels: Readonly<Record<string, string>>, sidecar: boolean, serviceAccount: string): PodPeer {
        const existing = this.byName.get(name);
        if (existing?.kind === "pod") {
            return existing;
        }
        const peer: PodPeer = {
            kind: "pod",
            name,
            namespace,
            namespaceLabels: this.namespaceLabels(namespace),
            podLabels,
            ip: this.ip(),
            sidecar,
            ...(sidecar ? { principal: principal(namespace, serviceAccount) } : {}),
        };
        this.byName.set(name, peer);
        return peer;
    }

    service(svc: ServiceSpec): PodPeer {
        return this.pod(svc.name, svc.namespace, svc.labels, svc.sidecar, svc.serviceAccount);
    }

    workload(key: WorkloadKey): PodPeer {
        const w: Workload = this.model.workloads.byKey[key];
        return this.pod(key, w.namespace, w.podLabels, w.sidecar, w.serviceAccount);
    }

    /** Kong's migrations Jobs: Kong's client label, no sidecar (components/gateway opts them out). */
    migrations(): PodPeer {
        return this.pod(MIGRATIONS_PEER, GATEWAY.namespace, { ...GATEWAY.clientLabels, "app.kubernetes.io/component": "migrations" }, false, GATEWAY.serviceAccount);
    }

    /** A pod no policy names, in `namespace`, with a sidecar when the namespace injects one. */
    stranger(namespace: string): PodPeer {
        const injected = this.model.components.mesh && this.model.catalog.namespaces.some((n) => n.name === namespace && n.injected);
        return this.pod(`stranger@${namespace}`, namespace, STRANGER_LABEL, injected, "default");
    }

    external(name: string, cidrs: readonly string[]): ExternalPeer {
        const existing = this.byName.get(name);
        if (existing?.kind === "external") {
            return existing;
        }
        const peer: ExternalPeer = { kind: "external", name, ip: firstAddress(cidrs[0] ?? "192.0.2.1/32"), cidrs };
        this.byName.set(name, peer);
        return peer;
    }
}

/** The first usable address of a CIDR (the address itself for a /32). */
export function firstAddress(cidr: string): string {
    const [addr, bits] = cidr.split("/");
    const n = ipToInt(addr);
    const size = Number(bits);
    return size >= 31 ? addr : intToIp(n + 1);
}

export function ipToInt(ip: string): number {
    return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
    return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export function inCidr(ip: string, cidr: string): boolean {
    const [base, bitsText] = cidr.split("/");
    const bits = Number(bitsText ?? 32);
    const size = 2 ** (32 - bits);
    const start = Math.floor(ipToInt(base) / size) * size;
    const n = ipToInt(ip);
    return n >= start && n < start + size;
}
