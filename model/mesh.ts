import * as fs from "fs";
import * as path from "path";
import { Catalog } from "./catalog";
import { choices } from "./errors";
import { Reader } from "./reader";
import { DEFAULT_ISTIO_VERSION, ISTIO_RELEASES, IstioRelease, revisionName } from "./versions";
import { MESH_ROOT_NAMESPACE } from "./wellknown";

export const MTLS_MODES = ["PERMISSIVE", "STRICT"] as const;
export type MtlsMode = (typeof MTLS_MODES)[number];

export const OUTBOUND_POLICIES = ["REGISTRY_ONLY", "ALLOW_ANY"] as const;
export type OutboundPolicy = (typeof OUTBOUND_POLICIES)[number];

/**
 * Where the Istio charts come from: Istio's published Helm repository (dev, prod), or a local directory
 * holding `base/`, `cni/` and `istiod/` (the `local` stack, extracted at test time by scripts/cluster/istio-charts.sh).
 */
export type IstioChartSource = { readonly kind: "repository" } | { readonly kind: "directory"; readonly directory: string };

/** The mesh's add-ons, each switchable per stack (a stack that cannot fetch their charts turns them off). */
export interface MeshAddons {
    readonly jaeger: boolean;
    readonly kiali: boolean;
}

/** Chart folders a chart directory must hold, by the chart name Istio publishes them under. */
export const ISTIO_CHART_DIRS = ["base", "cni", "istiod"] as const;

export interface MeshRevision {
    readonly release: IstioRelease;
    /** Revision name istiod runs under, derived from the version (1-28-3). */
    readonly name: string;
}

export interface MeshModel {
    /** Every istiod revision installed side by side (more than one only during a canary upgrade). */
    readonly revisions: readonly MeshRevision[];
    /** The revision the tag points at; base/cni charts and Kiali follow it. */
    readonly active: MeshRevision;
    /** Revision tag injected namespaces carry (`istio.io/rev=<tag>`); moving it is the upgrade switch. */
    readonly revisionTag: string;
    /** Mesh-wide mTLS mode. */
    readonly mtlsMode: MtlsMode;
    /** Effective mode per injected namespace (mesh-wide mode unless overridden). */
    readonly namespaceMtls: Readonly<Record<string, MtlsMode>>;
    readonly tracingSamplingPercent: number;
    readonly outboundPolicy: OutboundPolicy;
    readonly istiodReplicas: number;
    /** Prometheus the mesh tools (Kiali) query. */
    readonly prometheusUrl: string;
    /** Namespaces (besides the catalog's) whose workloads may call catalog services, e.g. an ingress controller's. */
    readonly extraCallerNamespaces: readonly string[];
    readonly charts: IstioChartSource;
    readonly addons: MeshAddons;
}

const REVISION_TAG = { re: /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, hint: "a DNS-1123 label such as stable" };

/** Reads `service-integration:mesh`. */
export function parseMeshConfig(r: Reader, catalog: Catalog): MeshModel {
    const known = Object.keys(ISTIO_RELEASES);
    const versions = r.stringList("istioVersions", [DEFAULT_ISTIO_VERSION]);
    const revisions: MeshRevision[] = [];
    versions.forEach((v) => {
        const release = ISTIO_RELEASES[v];
        if (!release) {
            r.problems.add(r.at("istioVersions"), v, "is not an Istio release this program pins", `use one of ${known.join(", ")} (add a release to model/versions.ts to support another)`);
        } else {
            revisions.push({ release, name: revisionName(v) });
        }
    });
    if (versions.length === 0) {
        r.problems.add(r.at("istioVersions"), versions, "names no Istio release", `list at least one, e.g. ["${DEFAULT_ISTIO_VERSION}"]`);
    }
    const activeVersion = r.string("activeVersion", versions[0] ?? DEFAULT_ISTIO_VERSION);
    const active = revisions.find((rev) => rev.release.version === activeVersion) ?? revisions[0] ?? { release: ISTIO_RELEASES[DEFAULT_ISTIO_VERSION], name: revisionName(DEFAULT_ISTIO_VERSION) };
    if (versions.length > 0 && !versions.includes(activeVersion)) {
        r.problems.add(r.at("activeVersion"), activeVersion, "is not one of istioVersions", `set it to one of ${versions.join(", ")}`);
    }

    const mtls = r.child("mtls");
    const mtlsMode = mtls.oneOf("mode", MTLS_MODES);
    const injected = catalog.namespaces.filter((ns) => ns.injected).map((ns) => ns.name);
    const overrides = mtls.child("namespaces");
    const namespaceMtls: Record<string, MtlsMode> = {};
    for (const ns of injected) {
        namespaceMtls[ns] = mtlsMode;
    }
    for (const ns of overrides.keys()) {
        const mode = overrides.oneOf(ns, MTLS_MODES);
        if (!injected.includes(ns)) {
            r.problems.add(overrides.at(ns), mode, "is not an injected namespace of the catalog", `use one of ${choices(injected, "(the catalog injects no namespace)")}`);
        } else {
            namespaceMtls[ns] = mode;
        }
    }
    overrides.done();
    mtls.done();

    const tracing = r.child("tracing");
    const tracingSamplingPercent = tracing.number("samplingPercent", 10, 0, 100);
    tracing.done();

    const charts = parseChartSource(r, active.release.version);
    const addonSwitches = r.child("addons");
    const addons: MeshAddons = { jaeger: addonSwitches.boolean("jaeger", true), kiali: addonSwitches.boolean("kiali", true) };
    addonSwitches.done();

    const model: MeshModel = {
        revisions,
        active,
        revisionTag: r.string("revisionTag", "stable", REVISION_TAG),
        mtlsMode,
        namespaceMtls,
        tracingSamplingPercent,
        outboundPolicy: r.oneOf("outboundTrafficPolicy", OUTBOUND_POLICIES, "ALLOW_ANY"),
        istiodReplicas: r.int("istiodReplicas", 1, 1, 10),
        prometheusUrl: r.string("prometheusUrl", "http://prometheus.monitoring.svc.cluster.local:9090"),
        extraCallerNamespaces: r.stringList("extraCallerNamespaces", []),
        charts,
        addons,
    };
    if (!catalog.namespaces.some((ns) => ns.name === MESH_ROOT_NAMESPACE)) {
        r.problems.add("catalog.namespaces", catalog.namespaces.map((n) => n.name), `must declare the mesh root namespace ${MESH_ROOT_NAMESPACE}`, `add { "name": "${MESH_ROOT_NAMESPACE}", "injected": false }`);
    }
    r.done();
    return model;
}

/**
 * Reads `mesh.charts.directory` (relative to the project root, or absolute). The folder must hold the three
 * charts at the active version, so a stale or missing extraction fails here, before any resource exists.
 */
function parseChartSource(r: Reader, version: string): IstioChartSource {
    const c = r.child("charts");
    const given = c.optionalString("directory");
    c.done();
    if (given === undefined) {
        return { kind: "repository" };
    }
    const directory = path.resolve(path.join(__dirname, ".."), given);
    const fix = `extract them with: bash scripts/cluster/istio-charts.sh ${given}`;
    for (const chart of ISTIO_CHART_DIRS) {
        const chartFile = path.join(directory, chart, "Chart.yaml");
        if (!fs.existsSync(chartFile)) {
            r.problems.add(c.at("directory"), given, `has no ${chart}/Chart.yaml`, fix);
            continue;
        }
        const found = /^version:\s*"?([^"\s]+)"?\s*$/m.exec(fs.readFileSync(chartFile, "utf8"))?.[1];
        if (found !== version) {
            r.problems.add(c.at("directory"), given, `holds ${chart} chart version ${found ?? "(none)"}, not the active Istio ${version}`, fix);
        }
    }
    return { kind: "directory", directory };
}
