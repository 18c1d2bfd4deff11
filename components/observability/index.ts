import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { Catalog } from "../../model/catalog";
import { ObservabilityModel } from "../../model/observability";
import { Manifest } from "../../model/wellknown";
import { buildDashboards } from "./dashboards";
import { buildMonitors, scrapeJobs } from "./monitors";
import { WORKLOAD_REPORTING } from "./reporting";
import { buildRules } from "./rules";

export { buildDashboards, renderDashboards, dashboardUid, dashboardUrl, DASHBOARD_TITLES } from "./dashboards";
export type { BuiltDashboard, RenderedDashboard } from "./dashboards";
export { buildMonitors } from "./monitors";
export { buildRules } from "./rules";
export { METRICS } from "./metrics";

export interface ObservabilityArgs {
    /** `service-integration:observability`, parsed by `parseObservabilityConfig`. */
    readonly model: ObservabilityModel;
    readonly catalog: Catalog;
    /** Grafana service-account token: `config.requireSecret(GRAFANA_AUTH_KEY)`, when `grafana.manage` is on. Kept secret by this component. */
    readonly grafanaAuth?: pulumi.Input<string>;
    /** Kubernetes provider for the prometheus-operator resources (ServiceMonitor, PodMonitor, PrometheusRule). */
    readonly kubernetes: k8s.Provider;
    /** Namespaces whose effective mTLS mode is STRICT, from the mesh model; empty when none is. */
    readonly strictNamespaces: readonly string[];
    /** Kafka topic names of the topic catalog (Event-Driven Architecture dashboard and Kafka alerts). */
    readonly topics: readonly string[];
    /** Resources the monitors and rules must wait for (e.g. the chart that installs prometheus-operator's CRDs, if this program owns it). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Grafana folder and dashboards (through an explicit `@pulumiverse/grafana` provider) plus the prometheus-operator
 * monitors and alert rules for the mesh, the gateway, the event topics and every catalog service.
 *
 * Outputs: `dashboardUrls` (title → `<grafana url>/d/<uid>`), `folderUid`, and the names of the monitors and rules.
 */
export class Observability extends pulumi.ComponentResource {
    /** Dashboard title → URL. Plain strings: uids are stable and derived from config, so they are known before deployment. */
    readonly dashboardUrls: Record<string, string>;
    readonly folderUid: pulumi.Output<string>;
    readonly monitors: string[];
    readonly rules: string[];

    private readonly model: ObservabilityModel;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:Observability", name, {}, opts);
        const { model, catalog } = args;
        this.model = model;

        // Build everything first: a bad topic or namespace list throws before any resource is declared.
        const dashboards = buildDashboards(model, catalog, args.topics);
        const monitors = buildMonitors(model, catalog);
        const rules = buildRules({ model, catalog, strictNamespaces: args.strictNamespaces, topics: args.topics, reporting: WORKLOAD_REPORTING, scrapeJobs: scrapeJobs(monitors, model) });
        const manifests: Manifest[] = [...monitors, ...rules];

        const folderUid = model.grafana.manage ? this.grafanaDashboards(name, dashboards, args.grafanaAuth) : pulumi.output(model.grafana.folderUid);
        for (const m of manifests) {
            new k8s.apiextensions.CustomResource(
                `${name}-${m.kind.toLowerCase()}-${m.metadata.name}`,
                { apiVersion: m.apiVersion, kind: m.kind, metadata: m.metadata, spec: m.spec },
                { parent: this, provider: args.kubernetes, dependsOn: args.dependsOn },
            );
        }

        this.dashboardUrls = Object.fromEntries(dashboards.map((d) => [d.title, d.url]));
        this.folderUid = folderUid;
        this.monitors = manifests.filter((m) => m.kind !== "PrometheusRule").map((m) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`);
        this.rules = manifests.filter((m) => m.kind === "PrometheusRule").map((m) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`);
        this.registerOutputs({ dashboardUrls: this.dashboardUrls, folderUid: this.folderUid, monitors: this.monitors, rules: this.rules });
    }

    /** The Grafana folder and dashboards through an explicit provider; returns the folder's uid. */
    private grafanaDashboards(name: string, dashboards: ReturnType<typeof buildDashboards>, auth: pulumi.Input<string> | undefined): pulumi.Output<string> {
        const model = this.model;
        if (auth === undefined) {
            throw new Error("observability.grafana.manage is on but no Grafana token was given: pulumi config set --secret service-integration:grafanaAuth <token>");
        }
        const provider = new grafana.Provider(
            `${name}-grafana`,
            { url: model.grafana.url, auth: pulumi.secret(auth) },
            { parent: this },
        );
        const folder = new grafana.oss.Folder(
            `${name}-folder`,
            { title: model.grafana.folderTitle, uid: model.grafana.folderUid },
            { parent: this, provider },
        );
        for (const d of dashboards) {
            new grafana.oss.Dashboard(
                `${name}-${d.key}`,
                {
                    configJson: d.configJson,
                    folder: folder.uid,
                    // The program owns these uids: replace a hand-made dashboard with the same uid or title (the seed's).
                    overwrite: true,
                    message: "Managed by the 254Carbon service-integration Pulumi program",
                },
                { parent: this, provider },
            );
        }
        return folder.uid;
    }
}
