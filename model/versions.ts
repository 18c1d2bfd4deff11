/**
 * Every pinned third-party version the program deploys, in one place.
 * Chart versions are real published chart versions; an upgrade is a change here plus a stack `up`.
 */

export const HELM_REPOS = {
    istio: "https://istio-release.storage.googleapis.com/charts",
    kiali: "https://kiali.org/helm-charts",
    jaeger: "https://jaegertracing.github.io/helm-charts",
} as const;

/**
 * Istio releases this program knows how to install, each with the Kiali release matched to its minor
 * (Istio 1.28 ↔ Kiali 2.17: kiali.io "Version Compatibility"; Istio 1.30 ↔ Kiali 2.26: the Kiali addon Istio
 * 1.30 ships, samples/addons/kiali.yaml `helm.sh/chart: kiali-server-2.26.0` on the release-1.30 branch).
 * Kiali's image tag is pinned to the chart's own release so the image always exists — the seed's Kiali
 * ImagePullBackOff came from a tag that did not. 1.28.3 (end of life) stays known only as the "from" side
 * of a canary upgrade to 1.30.
 */
export interface IstioRelease {
    /** Istio chart version (base, cni, istiod share it). */
    readonly version: string;
    /** Kubernetes minors the release supports (istio.io "Supported releases"). */
    readonly kubernetes: string;
    readonly kialiChart: string;
    readonly kialiImage: string;
}

export const ISTIO_RELEASES: Readonly<Record<string, IstioRelease>> = {
    "1.28.3": { version: "1.28.3", kubernetes: "1.29-1.34", kialiChart: "2.17.0", kialiImage: "v2.17.0" },
    // Kubernetes range: istioctl/pkg/install/k8sversion/version.go MinK8SVersion = 32 at 1.30.4.
    "1.30.4": { version: "1.30.4", kubernetes: "1.32-1.36", kialiChart: "2.26.0", kialiImage: "v2.26.0" },
};

export const DEFAULT_ISTIO_VERSION = "1.30.4";

/** Jaeger v2 (OpenTelemetry-collector based) chart: 4.11.1 ships Jaeger 2.19.0. */
export const JAEGER = { chart: "4.11.1", appVersion: "2.19.0", otlpGrpcPort: 4317, queryHttpPort: 16686, queryGrpcPort: 16685 } as const;

/** Istio revision name for a version: revisions must be DNS labels, so dots become dashes (1.28.3 → 1-28-3). */
export function revisionName(version: string): string {
    return version.replace(/\./g, "-");
}
