import { describe, expect, it } from "vitest";
import { buildDashboards, dashboardUid, DASHBOARD_TITLES, renderDashboards } from "../../components/observability/dashboards";
import { WORKLOAD_REPORTING } from "../../components/observability/reporting";
import { dataPanels, shipped, targetsOf } from "./promql-check";
import { DEV_CONFIG, PROD_CONFIG, SEED_TOPICS, loadCatalog, parseModel } from "./fixtures";

const catalog = loadCatalog();

describe.each([
    ["dev", DEV_CONFIG],
    ["prod", PROD_CONFIG],
])("dashboards (%s)", (_stack, config) => {
    const model = parseModel(config);
    const built = buildDashboards(model, catalog, SEED_TOPICS);

    it("has the three overviews and one dashboard per catalog service", () => {
        expect(built.slice(0, 3).map((d) => d.title)).toEqual([DASHBOARD_TITLES.mesh, DASHBOARD_TITLES.gateway, DASHBOARD_TITLES.events]);
        for (const svc of catalog.services) {
            const d = built.find((b) => b.title === `Service: ${svc.name}`);
            expect(d, svc.name).toBeDefined();
            expect(shipped(d!).uid).toBe(d!.uid);
        }
        expect(built).toHaveLength(3 + catalog.services.length);
    });

    it("gives every dashboard a stable uid of at most 40 characters, unique, under the stack's prefix", () => {
        const uids = built.map((d) => d.uid);
        expect(new Set(uids).size).toBe(uids.length);
        for (const uid of uids) {
            expect(uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
            expect(uid.startsWith(`${model.grafana.dashboardUidPrefix}-`)).toBe(true);
        }
        expect(built[0].uid).toBe(`${model.grafana.dashboardUidPrefix}-mesh-overview`);
        expect(built[0].url).toBe(`${model.grafana.url}/d/${built[0].uid}`);
    });

    it("puts the configured datasource on every panel and every target, and a unique refId on each target", () => {
        const expected = { type: "prometheus", uid: model.grafana.datasourceUid };
        for (const d of built) {
            const panels = dataPanels(shipped(d));
            expect(panels.length, d.title).toBeGreaterThan(0);
            const ids = shipped(d).panels!.map((p) => p.id);
            expect(new Set(ids).size, `${d.title}: panel ids`).toBe(ids.length);
            for (const p of panels) {
                const where = `${d.title} / ${p.title}`;
                expect(p.datasource, where).toEqual(expected);
                const targets = targetsOf(p);
                expect(targets.length, where).toBeGreaterThan(0);
                const refIds = targets.map((t) => t.refId);
                for (const [i, t] of targets.entries()) {
                    expect(t.refId, `${where} target ${i}`).toMatch(/^[A-Z]$/);
                    expect(t.datasource, `${where} target ${i}`).toEqual(expected);
                }
                expect(new Set(refIds).size, `${where}: refIds`).toBe(refIds.length);
            }
        }
    });

    it("reads each service where it is reported: its own sidecar, or its callers' for services without one", () => {
        const reporting = WORKLOAD_REPORTING;
        const bySource = new Set(catalog.services.filter((s) => reporting.reporterOf(s) === "source").map((s) => s.name));
        expect(bySource.size, "the default catalog has sidecar-less services (Kiali, Jaeger)").toBeGreaterThan(0);
        let sourceSelectors = 0;
        for (const d of built) {
            for (const p of dataPanels(shipped(d))) {
                for (const t of targetsOf(p)) {
                    const expr = t.expr ?? "";
                    if (expr.includes("istio_")) {
                        const selectors = expr.match(/istio_[a-z_]+\{[^}]*\}/g) ?? [];
                        expect(selectors.length, `${d.title} / ${p.title}`).toBeGreaterThan(0);
                        for (const s of selectors) {
                            if (s.includes('reporter="source"')) {
                                // Only for services that have no sidecar: a meshed service is counted once, at its own.
                                const names = /destination_service_name(?:=~?)"([^"]*)"/.exec(s)![1].split("|");
                                expect(names.every((n) => bySource.has(n)), `${d.title} / ${p.title}: ${s}`).toBe(true);
                                sourceSelectors++;
                            } else {
                                expect(s, `${d.title} / ${p.title}`).toContain('reporter="destination"');
                            }
                        }
                    }
                }
            }
        }
        expect(sourceSelectors).toBeGreaterThan(0);
    });

    it("has panels only for entities that exist: no Kong upstream health (the gateway declares no upstreams)", () => {
        const exprs = built.flatMap((d) => dataPanels(shipped(d)).flatMap((p) => targetsOf(p).map((t) => t.expr ?? "")));
        expect(exprs.filter((e) => e.includes("kong_upstream_target_health"))).toEqual([]);
    });

    it("shows a sidecar-less service's traffic from its callers' side (Kiali, Jaeger)", () => {
        for (const name of ["kiali", "jaeger"]) {
            const d = built.find((b) => b.title === `Service: ${name}`)!;
            const exprs = dataPanels(shipped(d)).flatMap((p) => targetsOf(p).map((t) => t.expr ?? "")).filter((e) => e.includes("istio_"));
            expect(exprs.length).toBeGreaterThan(0);
            expect(exprs.every((e) => e.includes('reporter="source"') && !e.includes('reporter="destination"')), name).toBe(true);
        }
    });

    it("draws each service's SLO on its error and latency panels", () => {
        for (const svc of catalog.services.filter((s) => s.protocol !== "tcp")) {
            const d = built.find((b) => b.title === `Service: ${svc.name}`)!;
            const byTitle = new Map(dataPanels(shipped(d)).map((p) => [p.title, p]));
            const errors = byTitle.get("Error ratio (5xx)")!;
            expect(errors.fieldConfig?.defaults.thresholds?.steps.map((s) => s.value)).toEqual([null, svc.slo.maxErrorRatio]);
            const duration = byTitle.get("Request duration")!;
            expect(duration.fieldConfig?.defaults.thresholds?.steps[1].value).toBe(svc.slo.p99LatencyMs);
            expect(byTitle.has("Gateway requests by route and status")).toBe(svc.gateway !== undefined);
            if (svc.gateway) {
                const kong = JSON.stringify(targetsOf(byTitle.get("Gateway requests by route and status")!));
                expect(kong).toContain(`service=\\"${svc.name}\\"`);
            }
        }
        const tcp = built.find((b) => b.title === "Service: kong-postgres")!;
        expect(dataPanels(shipped(tcp)).map((p) => p.title)).toContain("Failed connection share");
    });

    it("filters the Kafka panels to the platform's topics, regex-escaped", () => {
        const events = built.find((b) => b.title === DASHBOARD_TITLES.events)!;
        const exprs = dataPanels(shipped(events)).flatMap((p) => targetsOf(p).map((t) => t.expr ?? ""));
        for (const e of exprs) {
            expect(e).toContain('topic=~"audit-admin-operations|');
        }
        const dotted = buildDashboards(model, catalog, ["events.v1"]).find((b) => b.title === DASHBOARD_TITLES.events)!;
        expect(dotted.configJson).toContain('topic=~\\"events\\\\\\\\.v1\\"');
        const none = buildDashboards(model, catalog, []).find((b) => b.title === DASHBOARD_TITLES.events)!;
        expect(none.configJson).toContain('topic!~\\"__.*\\"');
    });

    it("produces identical JSON on every build", () => {
        const again = buildDashboards(model, catalog, [...SEED_TOPICS].reverse());
        expect(again.map((d) => d.configJson)).toEqual(built.map((d) => d.configJson));
        expect(renderDashboards(model, catalog, SEED_TOPICS)).toEqual(renderDashboards(model, catalog, SEED_TOPICS));
    });
});

describe("dashboard uids and the offline plan", () => {
    it("hashes uids that would pass Grafana's 40 characters, deterministically", () => {
        const long = dashboardUid("si-prod", "svc-a-service-with-a-really-long-name-for-grafana");
        expect(long).toHaveLength(40);
        expect(long).toBe(dashboardUid("si-prod", "svc-a-service-with-a-really-long-name-for-grafana"));
        expect(long).not.toBe(dashboardUid("si-prod", "svc-a-service-with-a-really-long-name-for-grafanb"));
        expect(dashboardUid("si", "kong")).toBe("si-kong");
    });

    it("renders each dashboard as pretty JSON the same as what Grafana receives", () => {
        const model = parseModel(DEV_CONFIG);
        const rendered = renderDashboards(model, catalog, SEED_TOPICS);
        const built = buildDashboards(model, catalog, SEED_TOPICS);
        expect(rendered.map((r) => r.file)).toContain("si-dev-mesh-overview.json");
        rendered.forEach((r, i) => {
            expect(JSON.parse(r.json)).toEqual(JSON.parse(built[i].configJson));
            expect(r.json.endsWith("\n")).toBe(true);
        });
    });

    it("rejects a topic list with a name Kafka would refuse", () => {
        const model = parseModel(DEV_CONFIG);
        expect(() => buildDashboards(model, catalog, ["ok", "not a topic"])).toThrow(/topics\[1\].*not a Kafka topic name/);
    });
});

describe("reporter per service, from the workload model", () => {
    it("reads a service whose pods opt out of the sidecar from its callers' side, and the others at their own sidecar", async () => {
        const { testedServiceGroups } = await import("../../components/observability/rules");
        const { buildMonitors, scrapeJobs } = await import("../../components/observability/monitors");
        const model = parseModel(DEV_CONFIG);
        const optedOut = { ...catalog, services: catalog.services.map((s) => (s.name === "kong-postgres" ? { ...s, sidecar: false } : s)) };
        const inputs = { model, catalog: optedOut, strictNamespaces: [], topics: SEED_TOPICS, reporting: WORKLOAD_REPORTING, scrapeJobs: scrapeJobs(buildMonitors(model, optedOut), model) };
        const exprOf = (name: string) => testedServiceGroups(inputs).find((g) => g.name.endsWith(`.${name}`))!.alerts[0].rule.expr;
        expect(exprOf("kong-postgres")).toContain('reporter="source"');
        expect(exprOf("kong-postgres")).not.toContain('reporter="destination"');
        expect(exprOf("scheduler")).toContain('reporter="destination"');
        const mesh = buildDashboards(model, optedOut, SEED_TOPICS)[0];
        expect(mesh.configJson).toMatch(/reporter=\\"source\\", destination_service_name=~\\"[^"]*kong-postgres/);
    });
});

describe("the Kafka exporter the stack names", () => {
    it("without kafkaExporter.job: no Event-Driven dashboard and no Kafka alert (they could never show data)", async () => {
        const { testedPlatformGroups } = await import("../../components/observability/rules");
        const model = parseModel({ ...DEV_CONFIG, kafkaExporter: {} });
        expect(model.kafkaExporter.job).toBeUndefined();
        expect(buildDashboards(model, catalog, SEED_TOPICS).map((d) => d.title)).not.toContain(DASHBOARD_TITLES.events);
        const groups = testedPlatformGroups({ model, catalog, strictNamespaces: [], topics: SEED_TOPICS, reporting: WORKLOAD_REPORTING, scrapeJobs: [] });
        expect(groups.map((g) => g.name)).not.toContain("service-integration.kafka");
    });

    it("with it: the dashboard and both alerts read that job's series, and the meta-alerts cover the job", async () => {
        const { testedPlatformGroups } = await import("../../components/observability/rules");
        const { buildMonitors, scrapeJobs } = await import("../../components/observability/monitors");
        const model = parseModel(PROD_CONFIG);
        const events = buildDashboards(model, catalog, SEED_TOPICS).find((d) => d.title === DASHBOARD_TITLES.events)!;
        const exprs = dataPanels(shipped(events)).flatMap((p) => targetsOf(p).map((t) => t.expr ?? ""));
        expect(exprs.length).toBeGreaterThan(3);
        expect(exprs.every((e) => e.includes('job="kafka-exporter"'))).toBe(true);
        const jobs = scrapeJobs(buildMonitors(model, catalog), model);
        expect(jobs).toContain("kafka-exporter");
        const groups = testedPlatformGroups({ model, catalog, strictNamespaces: [], topics: SEED_TOPICS, reporting: WORKLOAD_REPORTING, scrapeJobs: jobs });
        const kafka = groups.find((g) => g.name === "service-integration.kafka")!;
        expect(kafka.alerts.map((a) => a.rule.alert)).toEqual(["KafkaUnderReplicatedPartitions", "KafkaConsumerGroupLagHigh"]);
        expect(kafka.alerts.every((a) => a.rule.expr.includes('job="kafka-exporter"'))).toBe(true);
        const scrape = groups.find((g) => g.name === "service-integration.scrape")!;
        expect(scrape.alerts.map((a) => a.rule.expr)).toContain('absent(up{job="kafka-exporter"})');
    });
});
