import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DeclaredResource, evaluate } from "../../offline/evaluate";
import { GatewaySecrets } from "../../components/gateway/secrets";
import { defaultCatalog, gatewayModel } from "./fixtures";

export interface GatewayEvaluation {
    readonly resources: readonly DeclaredResource[];
    /** `type/name` → protect, as registered (stack transformation). */
    readonly protect: ReadonlyMap<string, boolean>;
    readonly deck: string;
}

export const CRDS = "kubernetes:core/v1:ConfigMap/istio-crds-stand-in";

/**
 * Evaluates an ApiGateway under the recording mocks (offline/evaluate: inputs, parents, dependsOn as registered),
 * with a namespace, a provider and a stand-in for the mesh's CRD-installing resources.
 */
export async function evaluateGateway(stack: string, rawGateway: unknown, secrets: GatewaySecrets, protect = false): Promise<GatewayEvaluation> {
    const model = gatewayModel(rawGateway);
    const protectOf = new Map<string, boolean>();
    let deck = "";
    const { resources } = await evaluate(stack, {}, [], async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            protectOf.set(`${args.type}/${args.name}`, args.opts.protect === true);
            return undefined;
        });
        const { ApiGateway } = await import("../../components/gateway");
        const kubernetes = new k8s.Provider("kubernetes", { kubeconfig: "unused", context: "test" });
        const namespace = new k8s.core.v1.Namespace("kong", { metadata: { name: "kong" } }, { provider: kubernetes });
        const crds = new k8s.core.v1.ConfigMap("istio-crds-stand-in", { metadata: { name: "x", namespace: "istio-system" } }, { provider: kubernetes });
        const gw = new ApiGateway("gateway", { model, catalog: defaultCatalog(), namespace, kubernetes, secrets, crdsReady: [crds], stack, protect });
        deck = gw.deck;
        return {};
    });
    return { resources, protect: protectOf, deck };
}

export function one(resources: readonly DeclaredResource[], type: string, name: string): DeclaredResource {
    const r = resources.find((x) => x.type === type && x.name === name);
    if (!r) {
        throw new Error(`no ${type} ${name}; declared: ${resources.filter((x) => x.type === type).map((x) => x.name).join(", ") || "none"}`);
    }
    return r;
}

export function all(resources: readonly DeclaredResource[], type: string): DeclaredResource[] {
    return resources.filter((x) => x.type === type);
}

export const T = {
    job: "kubernetes:batch/v1:Job",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    service: "kubernetes:core/v1:Service",
    secret: "kubernetes:core/v1:Secret",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    custom: (apiVersion: string, kind: string): string => `kubernetes:${apiVersion}:${kind}`,
    kong: (type: string): string => `pulumi-nodejs:dynamic/kong:${type}`,
    kongConfiguration: "platform:gateway:KongConfiguration",
    pgRole: "postgresql:index/role:Role",
    pgDatabase: "postgresql:index/database:Database",
    pgGrant: "postgresql:index/grant:Grant",
    pgProvider: "pulumi:providers:postgresql",
    randomPassword: "random:index/randomPassword:RandomPassword",
};

// Shapes of the recorded Kubernetes inputs the tests read.
export interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
export interface Container {
    name: string;
    image: string;
    command?: string[];
    env: EnvVar[];
    ports?: { name: string; containerPort: number }[];
    securityContext: Record<string, unknown>;
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    readinessProbe?: { httpGet?: { path: string; port: string } };
    livenessProbe?: { httpGet?: { path: string; port: string } };
    volumeMounts: { name: string; mountPath: string }[];
}
export interface PodTemplate {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    spec: { containers: Container[]; volumes: { name: string; emptyDir?: unknown }[]; securityContext: Record<string, unknown>; automountServiceAccountToken?: boolean; serviceAccountName?: string };
}

export function podTemplate(r: DeclaredResource): PodTemplate {
    return (r.inputs.spec as { template: PodTemplate }).template;
}

export function envOf(c: Container, name: string): EnvVar | undefined {
    return c.env.find((e) => e.name === name);
}
