import { Catalog, ServiceSpec } from "../model/catalog";
import { Manifest, metadata } from "../model/wellknown";

/**
 * The workloads the Istio resources refer to but this program does not own (the platform's services), as
 * Kubernetes would hold them, derived from the catalog: a Service with Istio's port naming and a Deployment with
 * the `app` label and service account. `istioctl analyze` needs them to judge hosts, selectors and ports.
 * Services the plan already declares (Kong's) are left out.
 */
export function catalogWorkloads(catalog: Catalog, declared: readonly Manifest[]): Manifest[] {
    const have = new Set(declared.filter((m) => m.kind === "Service").map((m) => `${m.metadata.namespace}/${m.metadata.name}`));
    return catalog.services.filter((svc) => !have.has(`${svc.namespace}/${svc.name}`)).flatMap((svc) => [service(svc), deployment(svc)]);
}

function service(svc: ServiceSpec): Manifest {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata(svc.name, svc.namespace, { app: svc.app }),
        spec: { selector: { app: svc.app }, ports: [{ name: `${svc.protocol}-main`, port: svc.port, targetPort: svc.port, protocol: "TCP" }] },
    };
}

function deployment(svc: ServiceSpec): Manifest {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata(svc.deployment ?? svc.app, svc.namespace, { app: svc.app }),
        spec: {
            replicas: 1,
            selector: { matchLabels: { app: svc.app } },
            template: {
                metadata: { labels: { app: svc.app, version: "v1" } },
                spec: { serviceAccountName: svc.serviceAccount, containers: [{ name: "app", image: `registry.254carbon.com/${svc.app}:1.0.0`, ports: [{ containerPort: svc.port }] }] },
            },
        },
    };
}
