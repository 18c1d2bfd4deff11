import { describe, expect, it } from "vitest";
import { DEFAULT_ALERTS, DEFAULT_KAFKA_EXPORTER_METRICS, GRAFANA_AUTH_KEY, promDuration } from "../../model/observability";
import { DEV_CONFIG, PROD_CONFIG, parseModel, parseOrProblems } from "./fixtures";

function problems(raw: unknown): { path: string; value: unknown; message: string; fix: string }[] {
    const { problems: found } = parseOrProblems(raw);
    try {
        found.throwIfAny("x");
    } catch (e) {
        return [...(e as { problems: { path: string; value: unknown; message: string; fix: string }[] }).problems];
    }
    return [];
}

describe("service-integration:observability", () => {
    it("reads a dev-like config with the documented defaults", () => {
        const m = parseModel(DEV_CONFIG);
        expect(m.grafana).toEqual({
            url: "http://grafana.monitoring.svc.cluster.local:3000",
            manage: true,
            folderTitle: "254Carbon Service Integration (dev)",
            folderUid: "si-dev",
            datasourceUid: "prometheus",
            dashboardUidPrefix: "si-dev",
        });
        expect(m.prometheus).toEqual({
            namespace: "monitoring",
            selectorLabels: { release: "kube-prometheus-stack" },
            scrapeInterval: "30s",
            kongScrapeTls: "plaintext",
            istioCertsDir: "/etc/prom-certs",
        });
        expect(parseModel({ grafana: DEV_CONFIG.grafana }).prometheus.kongScrapeTls).toBe("istio");
        expect(m.kafkaExporter).toEqual({ ...DEFAULT_KAFKA_EXPORTER_METRICS, job: "kafka-exporter" });
        expect(parseModel({ grafana: DEV_CONFIG.grafana }).kafkaExporter.job).toBeUndefined();
        expect(m.kafkaExporter.consumerGroupLag).toBe("kafka_consumergroup_lag");
        expect(m.kafkaExporter.underReplicatedPartitions).toBe("kafka_topic_partition_under_replicated_partition");
        expect(m.alerts).toEqual({ ...DEFAULT_ALERTS, consumerLagMessages: 50000 });
    });

    it("reads a prod-like config and strips the URL's trailing slash", () => {
        const m = parseModel(PROD_CONFIG);
        expect(m.grafana.url).toBe("https://grafana.254carbon.com");
        expect(m.grafana.datasourceUid).toBe("prom-prod");
        expect(m.prometheus.selectorLabels).toEqual({ release: "kube-prometheus-stack", team: "platform" });
        expect(m.prometheus.scrapeInterval).toBe("15s");
        expect(m.prometheus.istioCertsDir).toBe("/etc/istio-certs");
        expect(m.alerts.window).toBe("10m");
        expect(m.alerts.plaintextFor).toBe("2m");
    });

    it("keeps the Grafana token out of this object: it is its own secret key", () => {
        expect(GRAFANA_AUTH_KEY).toBe("grafanaAuth");
        const [p] = problems({ ...DEV_CONFIG, grafana: { ...DEV_CONFIG.grafana, auth: "glsa_x" } });
        expect(p.path).toBe("service-integration:observability.grafana.auth");
        expect(p.message).toContain("not a known key");
    });

    it("requires the Grafana URL and names the key and the fix", () => {
        const [p] = problems({ grafana: {} });
        expect(p.path).toBe("service-integration:observability.grafana.url");
        expect(p.message).toBe("is required");
        expect(p.fix).toContain("grafana.url");
    });

    it("rejects a URL that is not http(s) or carries credentials", () => {
        const bad = problems({ grafana: { url: "ftp://grafana" } });
        expect(bad[0]).toMatchObject({ path: "service-integration:observability.grafana.url", value: "ftp://grafana" });
        expect(bad[0].fix).toContain("https://");
        const creds = problems({ grafana: { url: "https://admin:secret@grafana.example" } });
        expect(creds[0].message).toContain("no query, fragment or credentials");
        const notUrl = problems({ grafana: { url: "grafana" } });
        expect(notUrl[0].message).toBe("is not a URL");
    });

    it("rejects uids Grafana would refuse", () => {
        const found = problems({ grafana: { url: "https://g.example", datasourceUid: "prom prod", dashboardUidPrefix: "a-very-long-prefix-indeed" } });
        expect(found.map((p) => p.path)).toEqual(["service-integration:observability.grafana.datasourceUid", "service-integration:observability.grafana.dashboardUidPrefix"]);
        expect(found[0].value).toBe("prom prod");
        expect(found[1].fix).toContain("16");
    });

    it("rejects selector labels that are not Kubernetes labels, and an empty selector", () => {
        const found = problems({ grafana: { url: "https://g.example" }, prometheus: { selectorLabels: { "bad key!": "x", release: "has space" } } });
        expect(found.map((p) => p.path)).toEqual([
            "service-integration:observability.prometheus.selectorLabels.bad key!",
            "service-integration:observability.prometheus.selectorLabels.release",
        ]);
        const empty = problems({ grafana: { url: "https://g.example" }, prometheus: { selectorLabels: {} } });
        expect(empty[0].message).toContain("nothing tells the cluster's Prometheus");
        expect(empty[0].fix).toContain("release: kube-prometheus-stack");
    });

    it("rejects a kafka_exporter metric name that is not a Prometheus metric name, and unknown metric keys", () => {
        const found = problems({ grafana: { url: "https://g.example" }, kafkaExporter: { consumerGroupLag: "kafka-lag", lag: "x" } });
        expect(found[0]).toMatchObject({ path: "service-integration:observability.kafkaExporter.consumerGroupLag", value: "kafka-lag" });
        expect(found[1].path).toBe("service-integration:observability.kafkaExporter.lag");
        expect(found[1].fix).toContain("consumerGroupLag");
    });

    it("rejects bad durations and thresholds", () => {
        const found = problems({ grafana: { url: "https://g.example" }, alerts: { window: "5 minutes", consumerLagMessages: 0, latencyFor: "30d" }, prometheus: { scrapeInterval: "2h" } });
        const paths = found.map((p) => p.path);
        expect(paths).toEqual(
            expect.arrayContaining([
                "service-integration:observability.alerts.window",
                "service-integration:observability.alerts.consumerLagMessages",
                "service-integration:observability.alerts.latencyFor",
                "service-integration:observability.prometheus.scrapeInterval",
            ]),
        );
        expect(found.find((p) => p.path.endsWith("alerts.window"))?.value).toBe("5 minutes");
    });

    it("rejects an unknown Kong scrape mode and a relative certificate directory", () => {
        const found = problems({ grafana: { url: "https://g.example" }, prometheus: { kongScrapeTls: "mtls", istioCertsDir: "prom-certs" } });
        expect(found[0]).toMatchObject({ path: "service-integration:observability.prometheus.kongScrapeTls", value: "mtls" });
        expect(found[0].fix).toContain("istio, plaintext");
        expect(found[1]).toMatchObject({ path: "service-integration:observability.prometheus.istioCertsDir", value: "prom-certs" });
    });

    it("writes durations the way Prometheus reads them", () => {
        expect(promDuration(300_000)).toBe("5m");
        expect(promDuration(90_000)).toBe("90s");
        expect(promDuration(3_600_000)).toBe("1h");
        expect(promDuration(250)).toBe("250ms");
    });
});
