import { Catalog, ServiceSpec } from "../model/catalog";
import { Manifest, metadata } from "../model/wellknown";
import { WorkloadsModel } from "../model/workloads";

/**
 * The workloads the Istio resources refer to but this program does not own (the platform's services), as
 * Kubernetes would hold them, derived from the catalog: a Service with Istio's port naming and a Deployment with
 * the `app` label and service account. `istioctl analyze` needs them to judge hosts, selectors and ports.
 * Services the plan already declares (Kong's) are left out.
 */
export function catalogWorkloads(catalog: Catalog, declared: readonly Manifest[], workloads?: WorkloadsModel): Manifest[] {
    const have = new Set(declared.filter((m) => m.kind === "Service").map((m) => `${m.metadata.namespace}/${m.metadata.name}`));
    const own = catalog.services.filter((svc) => !have.has(`${svc.namespace}/${svc.name}`)).flatMap((svc) => [service(svc), deployment(svc)]);
    // The Kafka nodes the mesh's policies select (model/workloads.ts) are no catalog service: their pods, as their operator labels them.
    const kafka = workloads ? [workloads.byKey.kafkaBrokers, workloads.byKey.kafkaControllers].map((w) => pods(w.key.toLowerCase(), w.namespace, w.podLabels, w.serviceAccount, Object.values(w.ports)[0].port)) : [];
    return [...own, ...kafka];
}

function pods(name: string, namespace: string, labels: Readonly<Record<string, string>>, serviceAccount: string, port: number): Manifest {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata(name, namespace, { ...labels }),
        spec: {
            replicas: 1,
            selector: { matchLabels: { ...labels } },
            template: {
                metadata: { labels: { ...labels, version: "v1" } },
                spec: { serviceAccountName: serviceAccount, containers: [{ name: "app", image: `registry.254carbon.com/${name}:1.0.0`, ports: [{ containerPort: port }] }] },
            },
        },
    };
}

function service(svc: ServiceSpec): Manifest {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata(svc.name, svc.namespace, { ...svc.labels }),
        spec: { selector: { ...svc.labels }, ports: [{ name: `${svc.protocol}-main`, port: svc.port, targetPort: svc.port, protocol: "TCP" }] },
    };
}

function deployment(svc: ServiceSpec): Manifest {
    return pods(svc.deployment ?? svc.app, svc.namespace, svc.labels, svc.serviceAccount, svc.port);
}
