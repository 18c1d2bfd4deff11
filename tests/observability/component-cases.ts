import * as k8s from "@pulumi/kubernetes";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { monitoringCoreosCom } from "@kubernetes-models/prometheus-operator";
import { describe, expect, it } from "vitest";
import { GATEWAY, ISTIO_PORTS } from "../../model/wellknown";
import { ObservabilityModel } from "../../model/observability";
import { RecordedResource, ofType, recordResources, settle } from "../support/pulumi";
import { SEED_TOPICS, loadCatalog, parseModel } from "./fixtures";
import { failuresOf, ruleQueries } from "./promql-check";
import type { RuleGroup } from "../../components/observability/rules";

/**
 * Shared cases of the Observability component under Pulumi mocks. Pulumi's runtime state is global, so each stack
 * runs in its own test file (own process): component-dev.test.ts and component-prod.test.ts.
 */

/** The operator's own schemas (kubernetes-models); typed locally because its base package only resolves through "exports". */
export type Validating = new (data: unknown) => { validate(): void };
export const SCHEMAS: Record<string, Validating> = {
    ServiceMonitor: monitoringCoreosCom.v1.ServiceMonitor as unknown as Validating,
    PodMonitor: monitoringCoreosCom.v1.PodMonitor as unknown as Validating,
    PrometheusRule: monitoringCoreosCom.v1.PrometheusRule as unknown as Validating,
};

export const catalog = loadCatalog();
export const TOKEN = "glsa_test_token_do_not_leak";
export const CR = "kubernetes:monitoring.coreos.com/v1:";

interface Declared {
    resources: RecordedResource[];
    model: ObservabilityModel;
    dashboardUrls: Record<string, string>;
    registered: string;
}

async function declare(stack: string, config: unknown, strict: string[]): Promise<Declared> {
    const resources = recordResources(stack);
    const { Observability } = await import("../../components/observability");
    const model = parseModel(config);
    const kubernetes = new k8s.Provider("k8s", { kubeconfig: "unused", context: "test" });
    const obs = new Observability("observability", { model, catalog, grafanaAuth: TOKEN, kubernetes, strictNamespaces: strict, topics: SEED_TOPICS });
    await settle();
    return { resources, model, dashboardUrls: obs.dashboardUrls, registered: JSON.stringify({ urls: obs.dashboardUrls, monitors: obs.monitors, rules: obs.rules }) };
}

function cr(resources: readonly RecordedResource[], kind: string): RecordedResource[] {
    return ofType(resources, `${CR}${kind}`);
}

function spec<T>(r: RecordedResource): T {
    return r.inputs.spec as T;
}

interface Endpoint {
    port: string;
    path: string;
    interval: string;
}

/** Declares the component for one stack (mocks installed first) and checks what it recorded. */
export function defineComponentTests(stack: string, config: unknown, strict: readonly string[]): void {
    describe(`Observability component (${stack})`, () => {
        const declared = declare(stack, config, [...strict]);

        it("configures an explicit Grafana provider with the URL and the token", async () => {
            const { resources, model } = await declared;
            const [provider] = ofType(resources, "pulumi:providers:grafana");
            expect(provider.inputs.url).toBe(model.grafana.url);
            // The engine receives the token wrapped as a secret (encrypted in state), not as a plain string.
            expect(provider.inputs.auth).toEqual({ [specialSigKey]: specialSecretSig, value: TOKEN });
            for (const r of [...ofType(resources, "grafana:oss/folder:Folder"), ...ofType(resources, "grafana:oss/dashboard:Dashboard")]) {
                expect(r.provider, r.name).toContain("observability-grafana");
            }
        });

        it("creates the folder and one dashboard per built dashboard, each in the folder with its stable uid", async () => {
            const { resources, model } = await declared;
            const [folder] = ofType(resources, "grafana:oss/folder:Folder");
            expect(folder.inputs).toMatchObject({ title: model.grafana.folderTitle, uid: model.grafana.folderUid });
            const dashboards = ofType(resources, "grafana:oss/dashboard:Dashboard");
            expect(dashboards).toHaveLength(3 + catalog.services.length);
            const titles = dashboards.map((d) => JSON.parse(d.inputs.configJson as string).title);
            expect(titles).toEqual(expect.arrayContaining(["Service Mesh Overview", "API Gateway (Kong)", "Event-Driven Architecture"]));
            for (const svc of catalog.services) {
                expect(titles, svc.name).toContain(`Service: ${svc.name}`);
            }
            for (const d of dashboards) {
                const json = JSON.parse(d.inputs.configJson as string);
                expect(json.uid.startsWith(`${model.grafana.dashboardUidPrefix}-`)).toBe(true);
                expect(d.inputs.folder).toBe(model.grafana.folderUid);
                expect(d.inputs.overwrite).toBe(true);
            }
        });

        it("outputs each dashboard's URL by title, and never the token", async () => {
            const { dashboardUrls, model, registered } = await declared;
            expect(dashboardUrls["Service Mesh Overview"]).toBe(`${model.grafana.url}/d/${model.grafana.dashboardUidPrefix}-mesh-overview`);
            expect(Object.keys(dashboardUrls)).toHaveLength(3 + catalog.services.length);
            expect(registered).not.toContain(TOKEN);
        });

        it("declares the monitors through the given Kubernetes provider, labelled for the cluster's Prometheus", async () => {
            const { resources, model } = await declared;
            const all = [...cr(resources, "ServiceMonitor"), ...cr(resources, "PodMonitor"), ...cr(resources, "PrometheusRule")];
            expect(all).toHaveLength(5);
            for (const r of all) {
                expect(r.provider, r.name).toContain("::k8s::");
                const meta = r.inputs.metadata as { namespace: string; labels: Record<string, string> };
                expect(meta.namespace).toBe(model.prometheus.namespace);
                expect(meta.labels).toMatchObject(model.prometheus.selectorLabels);
            }
        });

        it("scrapes istiod's http-monitoring port, Envoy's /stats/prometheus and Kong's status /metrics", async () => {
            const { resources, model } = await declared;
            const [istiod, kong] = ["istiod", "kong-gateway"].map((n) => cr(resources, "ServiceMonitor").find((r) => (r.inputs.metadata as { name: string }).name === n)!);
            const job = (name: string) => ({ relabelings: [{ action: "replace", targetLabel: "job", replacement: name }] });
            expect(spec<{ endpoints: Endpoint[] }>(istiod).endpoints).toEqual([{ port: "http-monitoring", path: "/metrics", interval: model.prometheus.scrapeInterval, ...job("istiod") }]);
            expect(spec<{ namespaceSelector: unknown }>(istiod).namespaceSelector).toEqual({ matchNames: ["istio-system"] });
            const kongEndpoint = { port: "status", path: "/metrics", interval: model.prometheus.scrapeInterval, ...job("kong-gateway") };
        if (model.prometheus.kongScrapeTls === "plaintext") {
            expect(spec<{ endpoints: Endpoint[] }>(kong).endpoints).toEqual([kongEndpoint]);
        } else {
            // Behind Kong's sidecar: mutual TLS with the certificates Prometheus' sidecar writes (Istio's TLS settings).
            const dir = model.prometheus.istioCertsDir;
            expect(spec<{ endpoints: Endpoint[] }>(kong).endpoints).toEqual([
                {
                    ...kongEndpoint,
                    scheme: "https",
                    tlsConfig: { caFile: `${dir}/root-cert.pem`, certFile: `${dir}/cert-chain.pem`, keyFile: `${dir}/key.pem`, insecureSkipVerify: true },
                },
            ]);
        }
            expect(spec<{ selector: unknown }>(kong).selector).toEqual({ matchLabels: { app: GATEWAY.app } });
            const [envoy] = cr(resources, "PodMonitor");
            const pm = spec<{ podMetricsEndpoints: Endpoint[]; namespaceSelector: { matchNames: string[] } }>(envoy);
            expect(pm.podMetricsEndpoints[0]).toMatchObject({ port: "http-envoy-prom", path: "/stats/prometheus" });
            expect(pm.namespaceSelector.matchNames).toEqual(catalog.namespaces.filter((n) => n.injected).map((n) => n.name).sort());
            expect(ISTIO_PORTS.envoyStats).toBe(15090);
        });

        it("alerts on every catalog service's SLO", async () => {
            const { resources, model } = await declared;
            const rule = cr(resources, "PrometheusRule").find((r) => (r.inputs.metadata as { name: string }).name === "service-slos")!;
            const groups = spec<{ groups: RuleGroup[] }>(rule).groups;
            for (const svc of catalog.services) {
                const rules = groups.flatMap((g) => g.rules).filter((r) => r.labels.service === svc.name);
                const guard = svc.protocol === "tcp" ? model.alerts.minConnectionsPerSecond : model.alerts.minRequestsPerSecond;
                if (svc.name === GATEWAY.proxyService) {
                    // Kong terminates the proxy's TLS itself: its SLO comes from Kong's own metrics, not Istio's.
                    expect(rules.map((r) => r.alert), svc.name).toEqual(["GatewayErrorRatioHigh", "GatewayP99LatencyHigh"]);
                    expect(rules.every((r) => !r.expr.includes("istio_"))).toBe(true);
                    expect(rules[0].expr).toContain('kong_http_requests_total{code=~"5.."}');
                    expect(rules[1].expr).toContain("kong_request_latency_ms_bucket");
                } else if (svc.protocol === "tcp") {
                    expect(rules.map((r) => r.alert), svc.name).toEqual(["ServiceConnectionFailureRatioHigh"]);
                    expect(rules[0].expr).toContain(`> ${svc.slo.maxErrorRatio}) and (`);
                } else {
                    expect(rules.map((r) => r.alert), svc.name).toEqual(["ServiceErrorRatioHigh", "ServiceP99LatencyHigh"]);
                    expect(rules[0].expr).toContain(`> ${svc.slo.maxErrorRatio}) and (`);
                    expect(rules[1].expr).toContain(`> ${svc.slo.p99LatencyMs}) and (`);
                    expect(rules[0].expr).toContain(`destination_service_name="${svc.name}"`);
                }
                for (const r of rules) {
                    expect(r.expr.endsWith(`> ${guard})`), `${svc.name} ${r.alert}: minimum-traffic guard`).toBe(true);
                }
            }
        });

        it("alerts on Kong's datastore, Kafka replication and lag, and plaintext only where namespaces are STRICT", async () => {
            const { resources, model } = await declared;
            const rule = cr(resources, "PrometheusRule").find((r) => (r.inputs.metadata as { name: string }).name === "platform")!;
            const rules = spec<{ groups: RuleGroup[] }>(rule).groups.flatMap((g) => g.rules);
            const byName = new Map(rules.map((r) => [r.alert, r]));
            expect(byName.get("KongDatastoreUnreachable")?.expr).toBe("kong_datastore_reachable == 0");
            expect(byName.get("KafkaUnderReplicatedPartitions")?.expr).toContain('kafka_topic_partition_under_replicated_partition{job="kafka-exporter", topic=~');
            expect(byName.get("KafkaConsumerGroupLagHigh")?.expr.endsWith(`> ${model.alerts.consumerLagMessages}`)).toBe(true);
            const plaintext = byName.get("PlaintextRequestsInStrictNamespace");
            if (strict.length === 0) {
                expect(plaintext).toBeUndefined();
            } else {
                expect(plaintext!.expr).toContain('connection_security_policy!="mutual_tls"');
                expect(plaintext!.expr).toContain(`destination_workload_namespace=~"${[...strict].sort().join("|")}"`);
                // Catalog services kept reachable in plaintext on purpose are not alerted on.
                expect(plaintext!.expr).toContain('destination_app!~"grafana|kong|kong-postgres"');
                expect(plaintext!.for).toBe(model.alerts.plaintextFor);
                expect(byName.get("PlaintextConnectionsInStrictNamespace")?.expr).toContain("istio_tcp_connections_opened_total{");
            }
        });

        it("declares monitors and rules the prometheus-operator schemas accept, with valid PromQL", async () => {
            const { resources } = await declared;
            for (const kind of Object.keys(SCHEMAS)) {
                for (const r of cr(resources, kind)) {
                    expect(() => new SCHEMAS[kind](r.inputs).validate(), `${kind} ${r.name}`).not.toThrow();
                    if (kind === "PrometheusRule") {
                        expect(failuresOf(ruleQueries(r.name, spec<{ groups: RuleGroup[] }>(r).groups))).toEqual([]);
                    }
                }
            }
        });
    });
}
