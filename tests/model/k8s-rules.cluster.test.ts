/**
 * The real API server as the oracle of model/k8s-rules.ts: every value below is judged by our port of apimachinery's
 * rules and by a dry-run create (`dryRun=All`) of a minimal object carrying it on the control plane of
 * scripts/cluster/cluster.sh; the two verdicts must agree. Needs scripts/tools/install-cluster.sh. In CI (CI set) a
 * missing tool fails the run; elsewhere the file is skipped with the reason.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dns1035Label, dns1123Label, dns1123Subdomain, labelValue, portName, qualifiedName } from "../../model/k8s-rules";
import { ApiServer } from "../cluster/apiserver";
import { ControlPlane, missingClusterTools, startControlPlane, stopControlPlane } from "../cluster/control-plane";

const ci = Boolean(process.env.CI);
const missing = missingClusterTools();
if (missing !== undefined && !ci) {
    console.warn(`[k8s-rules oracle] skipped: ${missing}`);
}

const LONG = "a".repeat(64);

/** [rule, our check, the collection to POST to, the object carrying the value] */
const RULES: [string, (v: string) => string[], string, (v: string) => Record<string, unknown>][] = [
    ["namespace name (DNS-1123 label)", dns1123Label, "/api/v1/namespaces", (v) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: v } })],
    ["Service name (DNS-1123 label on this server)", dns1123Label, "/api/v1/namespaces/default/services", (v) => ({ apiVersion: "v1", kind: "Service", metadata: { name: v }, spec: { ports: [{ port: 80 }] } })],
    ["ServiceAccount name (DNS-1123 subdomain)", dns1123Subdomain, "/api/v1/namespaces/default/serviceaccounts", (v) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: v } })],
    ["label key (qualified name)", qualifiedName, "/api/v1/namespaces/default/configmaps", (v) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "oracle", labels: { [v]: "x" } } })],
    ["label value", labelValue, "/api/v1/namespaces/default/configmaps", (v) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "oracle", labels: { app: v } } })],
    ["annotation key", (v) => qualifiedName(v.toLowerCase()), "/api/v1/namespaces/default/configmaps", (v) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "oracle", annotations: { [v]: "x" } } })],
    ["Service port name (DNS-1123 label)", dns1123Label, "/api/v1/namespaces/default/services", (v) => ({ apiVersion: "v1", kind: "Service", metadata: { name: "oracle" }, spec: { ports: [{ name: v, port: 80 }] } })],
    [
        "container port name (IANA_SVC_NAME)",
        portName,
        "/apis/apps/v1/namespaces/default/deployments",
        (v) => ({
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "oracle" },
            spec: { selector: { matchLabels: { app: "oracle" } }, template: { metadata: { labels: { app: "oracle" } }, spec: { containers: [{ name: "c", image: "busybox:1.37", ports: [{ name: v, containerPort: 8080 }] }] } } },
        }),
    ],
];

/** Values each rule is tried with: the valid defaults of the catalog and the bad inputs of bad-inputs.cases.ts. */
const VALUES = ["data-platform", "portal-services", "kube-prometheus-stack", "Data_Platform", "Portal", "1portal", LONG, "portal services", "portal-", "portal..services", "Portal_SA", "app.kubernetes.io/name", "Example.com/x", "a/b/c", `example.com/${LONG}`, "http-metrics", "http--metrics", "status", "8080", "", "service.beta.kubernetes.io/aws-load-balancer-internal"];

/**
 * The model holds catalog service names to DNS-1035 (apimachinery NameIsDNS1035Label, what Service names were before
 * RelaxedServiceNameValidation): stricter than this 1.36 server, which takes DNS-1123 labels ("1portal", "8080"), and
 * accepted by every Kubernetes version. Stricter, never looser: whatever the model accepts the server accepts.
 */
const STRICTER: [string, (v: string) => string[], string, (v: string) => Record<string, unknown>] = ["Service name (the model's DNS-1035 rule)", dns1035Label, "/api/v1/namespaces/default/services", (v) => ({ apiVersion: "v1", kind: "Service", metadata: { name: v }, spec: { ports: [{ port: 80 }] } })];

describe.skipIf(missing !== undefined && !ci)("model/k8s-rules.ts agrees with a real API server's validation", () => {
    let cp: ControlPlane;
    let api: ApiServer;

    beforeAll(() => {
        if (missing !== undefined) {
            throw new Error(`${missing} (CI must build it: .ci/run runs scripts/tools/install-cluster.sh)`);
        }
        cp = startControlPlane(fs.mkdtempSync(path.join(os.tmpdir(), "k8s-oracle-")));
        api = new ApiServer(cp.adminKubeconfig);
    }, 240_000);

    afterAll(() => {
        api?.close();
        if (cp) {
            stopControlPlane(cp);
            fs.rmSync(cp.stateDir, { recursive: true, force: true });
        }
    }, 120_000);

    it.each(RULES)("%s", async (rule, check, collection, object) => {
        const disagreements: string[] = [];
        // An empty port name means "unnamed", which a single port may be: not a value of the rule.
        for (const value of VALUES.filter((v) => !(v === "" && /port name/.test(rule)))) {
            const ours = check(value).length === 0;
            const res = await api.request("POST", `${collection}?dryRun=All`, JSON.stringify(object(value)));
            const server = res.status === 200 || res.status === 201;
            if (res.status !== 422 && !server) {
                throw new Error(`unexpected answer ${res.status} for ${JSON.stringify(value)}: ${JSON.stringify(res.body).slice(0, 300)}`);
            }
            if (ours !== server) {
                disagreements.push(`${JSON.stringify(value)}: ours ${ours ? "valid" : "invalid"}, the API server ${server ? "accepts" : `refuses (${String(res.body.message ?? "").slice(0, 200)})`}`);
            }
        }
        expect(disagreements).toEqual([]);
    });

    it(STRICTER[0], async () => {
        const [, check, collection, object] = STRICTER;
        const looser: string[] = [];
        let stricter = 0;
        for (const value of VALUES) {
            const res = await api.request("POST", `${collection}?dryRun=All`, JSON.stringify(object(value)));
            const server = res.status === 200 || res.status === 201;
            if (check(value).length === 0 && !server) {
                looser.push(`${JSON.stringify(value)}: the model accepts it, the API server refuses it`);
            }
            stricter += check(value).length > 0 && server ? 1 : 0;
        }
        expect(looser).toEqual([]);
        expect(stricter).toBeGreaterThan(0);
    });
});
