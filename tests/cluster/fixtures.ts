/**
 * What a real cluster holds before this program's `pulumi up`: the platform's own services (the Deployments the
 * program patches for sidecar roll-outs but does not own) and the workloads the policies name (Prometheus, Kafka,
 * ...). Derived from the declared plan (its DeploymentPatch targets) and the stack's workload descriptions, with
 * their real labels and service accounts, so the fixtures can never drift from what the program expects.
 */
import { DeclaredResource } from "../../offline/evaluate";
import { PlatformModel } from "../../model";
import { Workload } from "../../model/workloads";

/** Label on every fixture, so a test can find (and a reader tell apart) what the test created itself. */
export const FIXTURE_LABEL = { "test.254carbon.io/fixture": "true" } as const;

export interface FixtureObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
    readonly [field: string]: unknown;
}

function podController(kind: "Deployment" | "StatefulSet", name: string, namespace: string, podLabels: Record<string, string>, serviceAccount: string): FixtureObject[] {
    const spec = {
        replicas: 1,
        selector: { matchLabels: podLabels },
        template: {
            metadata: { labels: podLabels },
            spec: {
                serviceAccountName: serviceAccount,
                // kwok runs no container: the image is never pulled, but must be a valid reference.
                containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }],
            },
        },
        ...(kind === "StatefulSet" ? { serviceName: name } : {}),
    };
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: serviceAccount, namespace, labels: { ...FIXTURE_LABEL } } },
        { apiVersion: "apps/v1", kind, metadata: { name, namespace, labels: { ...FIXTURE_LABEL } }, spec },
    ];
}

/** Namespaces a fixture lives in that the program does not declare itself. */
function namespaceObject(name: string): FixtureObject {
    return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ...FIXTURE_LABEL } } };
}

/** The Deployments the plan patches (DeploymentPatch), each with the labels of its catalog service. */
function patchedDeployments(resources: readonly DeclaredResource[], model: PlatformModel): FixtureObject[] {
    return resources
        .filter((r) => r.type === "kubernetes:apps/v1:DeploymentPatch")
        .flatMap((r) => {
            const meta = r.inputs.metadata as { name: string; namespace: string };
            const service = model.catalog.services.find((s) => s.namespace === meta.namespace && (s.deployment ?? s.name) === meta.name);
            const labels = service?.labels ?? { app: meta.name };
            return podController("Deployment", meta.name, meta.namespace, { ...labels }, service?.serviceAccount ?? meta.name);
        });
}

/** istiod always comes from the program's istiod chart; Jaeger and Kiali from its add-on charts when switched on. */
function installedByProgram(w: Workload, model: PlatformModel): boolean {
    return w.key === "istiod" || (w.key === "jaeger" && model.mesh.addons.jaeger) || (w.key === "kiali" && model.mesh.addons.kiali);
}

/** The workloads we do not own, as their upstream chart or operator runs them (model/workloads.ts). */
function foreignWorkloads(workloads: readonly Workload[]): FixtureObject[] {
    return workloads
        .filter((w) => w.controller !== undefined)
        .flatMap((w) => podController(w.controller!.kind, w.controller!.name, w.namespace, { ...w.podLabels }, w.serviceAccount));
}

/**
 * Every fixture for a stack, namespaces first. Namespaces the program declares are created here too (the fixtures
 * must live somewhere before `up`); the program then takes them over by server-side apply.
 */
export function clusterFixtures(resources: readonly DeclaredResource[], model: PlatformModel): FixtureObject[] {
    const objects = [...patchedDeployments(resources, model), ...foreignWorkloads(Object.values(model.workloads.byKey).filter((w) => !installedByProgram(w, model)))];
    const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined))];
    return [...namespaces.map(namespaceObject), ...dedupe(objects)];
}

function dedupe(objects: FixtureObject[]): FixtureObject[] {
    const seen = new Set<string>();
    return objects.filter((o) => {
        const k = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
        return seen.has(k) ? false : (seen.add(k), true);
    });
}
