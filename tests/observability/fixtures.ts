import * as fs from "fs";
import * as path from "path";
import { Catalog, parseCatalog } from "../../model/catalog";
import { Problems } from "../../model/errors";
import { ObservabilityModel, parseObservabilityConfig } from "../../model/observability";
import { Reader } from "../../model/reader";

/** The default service catalog (catalog/services.json). */
export function loadCatalog(): Catalog {
    const file = path.resolve(__dirname, "..", "..", "catalog", "services.json");
    return parseCatalog(JSON.parse(fs.readFileSync(file, "utf8")), "catalog/services.json");
}

/** The seed's twelve topics (the lead passes the topic catalog's names; the builders only see strings). */
export const SEED_TOPICS = [
    "data-ingestion",
    "data-quality",
    "data-lineage",
    "data-transformation",
    "system-health",
    "deployment-events",
    "config-changes",
    "security-events",
    "audit-user-actions",
    "audit-api-calls",
    "audit-data-access",
    "audit-admin-operations",
];

/** Dev-like `service-integration:observability`: mostly defaults, in-cluster Grafana, Kong scraped in plaintext. */
export const DEV_CONFIG = {
    prometheus: { kongScrapeTls: "plaintext" },
    grafana: {
        url: "http://grafana.monitoring.svc.cluster.local:3000",
        folderTitle: "254Carbon Service Integration (dev)",
        folderUid: "si-dev",
        dashboardUidPrefix: "si-dev",
    },
    kafkaExporter: { job: "kafka-exporter" },
    alerts: { consumerLagMessages: 50000 },
};

/** Prod-like: public Grafana, its own datasource uid, extra selector label, tighter scrape and alert settings. */
export const PROD_CONFIG = {
    grafana: {
        url: "https://grafana.254carbon.com/",
        folderTitle: "254Carbon Service Integration",
        folderUid: "si-prod",
        datasourceUid: "prom-prod",
        dashboardUidPrefix: "si-prod",
    },
    prometheus: { namespace: "monitoring", selectorLabels: { release: "kube-prometheus-stack", team: "platform" }, scrapeInterval: "15s", istioCertsDir: "/etc/istio-certs/" },
    kafkaExporter: { job: "kafka-exporter" },
    alerts: { window: "10m", errorRatioFor: "10m", consumerLagMessages: 5000, plaintextFor: "2m" },
};

/** STRICT namespaces as the mesh model gives them: none in dev, every injected namespace in prod. */
export const DEV_STRICT: string[] = [];
export const PROD_STRICT = ["data-platform", "kong", "monitoring"];

export const CONFIG_ROOT = "service-integration:observability";

export function parseOrProblems(raw: unknown, catalog: Catalog = loadCatalog()): { model: ObservabilityModel; problems: Problems } {
    const problems = new Problems();
    const model = parseObservabilityConfig(Reader.root(CONFIG_ROOT, raw, problems), catalog);
    return { model, problems };
}

export function parseModel(raw: unknown, catalog: Catalog = loadCatalog()): ObservabilityModel {
    const { model, problems } = parseOrProblems(raw, catalog);
    problems.throwIfAny(CONFIG_ROOT);
    return model;
}
