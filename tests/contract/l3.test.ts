import { describe, expect, it } from "vitest";
import { Flow } from "../../contract/flows";
import { evaluateL3 } from "../../contract/l3";
import { ExternalPeer, PodPeer } from "../../contract/peers";
import { Manifest } from "../../model/wellknown";
import { engine } from "./support";

/**
 * The L3 engine (cyclonus's NetworkPolicy simulator through netpol-flows) on the Kubernetes semantics the
 * contract relies on, with the deciding policies it reports.
 */

const bin = engine();

const pod = (name: string, namespace: string, labels: Record<string, string>, ip: string): PodPeer => ({
    kind: "pod",
    name,
    namespace,
    namespaceLabels: { "kubernetes.io/metadata.name": namespace },
    podLabels: labels,
    ip,
    sidecar: false,
});
const db = pod("db", "kong", { app: "kong-postgres" }, "10.244.0.2");
const kong = pod("kong", "kong", { "app.kubernetes.io/name": "kong" }, "10.244.0.3");
const stranger = pod("stranger", "default", { run: "x" }, "10.244.0.4");
const lb: ExternalPeer = { kind: "external", name: "lb", ip: "192.0.2.10", cidrs: ["192.0.2.0/24"] };

const flow = (from: Flow["from"], to: Flow["to"], port: number): Flow => ({ id: `${from.name} → ${to.name}:${port}`, expect: "allow", why: "test", from, to, port, protocol: "TCP" });
const np = (name: string, spec: unknown): Manifest => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: "kong" }, spec });

const denyIngress = np("default-deny", { podSelector: {}, policyTypes: ["Ingress"] });
const fromKong = np("db-from-kong", { podSelector: { matchLabels: { app: "kong-postgres" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "kong" } } }], ports: [{ protocol: "TCP", port: 5432 }] }] });
const portsOnly = np("db-plaintext", { podSelector: { matchLabels: { app: "kong-postgres" } }, policyTypes: ["Ingress"], ingress: [{ ports: [{ protocol: "TCP", port: 5432 }] }] });

describe.skipIf(bin === undefined)("L3 engine (cyclonus)", () => {
    it("a pod no policy selects takes everything; a selected pod only what a rule admits, and the policies are named", () => {
        const open = evaluateL3(bin!, [], [flow(stranger, db, 5432)]);
        expect(open.get("stranger → db:5432")).toEqual({ allowed: true, decidedBy: ["(no policy selects either pod)"] });
        const v = evaluateL3(bin!, [denyIngress, fromKong], [flow(kong, db, 5432), flow(stranger, db, 5432), flow(kong, db, 5433)]);
        expect(v.get("kong → db:5432")).toEqual({ allowed: true, decidedBy: ["kong/db-from-kong"] });
        expect(v.get("stranger → db:5432")).toEqual({ allowed: false, decidedBy: ["kong/db-from-kong", "kong/default-deny"], deniedAt: "ingress" });
        expect(v.get("kong → db:5433")?.allowed).toBe(false);
    });

    it("policies add up: a rule with ports and no sources opens the port to every pod and cancels the narrower one", () => {
        const v = evaluateL3(bin!, [denyIngress, fromKong, portsOnly], [flow(stranger, db, 5432)]);
        expect(v.get("stranger → db:5432")).toEqual({ allowed: true, decidedBy: ["kong/db-plaintext"] });
    });

    it("ipBlock peers admit an external address block; egress is checked at the sender", () => {
        const fromLb = np("db-from-lb", { podSelector: { matchLabels: { app: "kong-postgres" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: "192.0.2.0/24" } }], ports: [{ protocol: "TCP", port: 5432 }] }] });
        const noEgress = np("kong-no-egress", { podSelector: { matchLabels: { "app.kubernetes.io/name": "kong" } }, policyTypes: ["Egress"] });
        const v = evaluateL3(bin!, [denyIngress, fromKong, fromLb, noEgress], [flow(lb, db, 5432), flow(kong, db, 5432)]);
        expect(v.get("lb → db:5432")).toEqual({ allowed: true, decidedBy: ["kong/db-from-lb"] });
        expect(v.get("kong → db:5432")).toEqual({ allowed: false, decidedBy: ["kong/kong-no-egress"], deniedAt: "egress" });
    });
});
