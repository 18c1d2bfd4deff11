import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EventsOutputs, eventsOutputs, EventTopics } from "./components/events";
import { ApiGateway, readGatewaySecrets } from "./components/gateway";
import { meshContext, MeshOutputs, ServiceMesh } from "./components/mesh";
import { Observability } from "./components/observability";
import { PlatformNamespaces } from "./components/namespaces";
import { PlatformModel, PROJECT } from "./model";
import { EVENTS_CLIENT_CERT_KEY, EVENTS_CLIENT_KEY_KEY, EVENTS_SASL_PASSWORD_KEY, loadTopicCatalog } from "./model/events";
import { GRAFANA_AUTH_KEY } from "./model/observability";
import { GATEWAY, serviceHost } from "./model/wellknown";

/**
 * Wires the validated model into components through explicit providers and returns the stack outputs.
 * `index.ts` calls this; tests and the offline plan call it under mocks.
 */

/** Stack outputs: the contract other stacks read with `StackReference.requireOutput`. */
export interface PlatformOutputs {
    /** Mesh facts, present when the mesh component is on. */
    readonly mesh?: MeshOutputs;
    readonly namespaces: string[];
    /** Gateway facts, present when the gateway component is on. */
    readonly gateway?: {
        readonly namespace: string;
        /** In-cluster URL of the proxy Service. */
        readonly proxyUrl: string;
        /**
         * The stack's direct Admin API URL (gateway.admin.url), when it sets one. Otherwise absent: the Admin API
         * listens on Kong's loopback only, and the provider and verify reach it through a port-forward.
         */
        readonly adminUrl?: string;
        readonly jwtRequired: boolean;
        /** Route paths by Kong route name (`<service>.<route>`). */
        readonly routes: Readonly<Record<string, readonly string[]>>;
        /** JWT credential secrets by key (a secret output). */
        readonly jwtSecrets: pulumi.Output<Record<string, string>>;
    };
    /** Event backbone facts, present when the events component is on. */
    readonly events?: EventsOutputs;
    /** Observability facts, present when the observability component is on. */
    readonly observability?: {
        /** Dashboard title → Grafana URL. */
        readonly dashboards: Readonly<Record<string, string>>;
        readonly folderUid: string;
        /** The `job` label of the brokers' Kafka exporter the stack names (verify's kafka-exporter check). */
        readonly kafkaExporterJob?: string;
    };
}

export function kubernetesProvider(model: PlatformModel, config: pulumi.Config): k8s.Provider {
    const kubeconfig: pulumi.Input<string> = model.kubernetes.kubeconfigFromSecret ? config.requireSecret("kubeconfig") : model.kubernetes.kubeconfigPath!;
    return new k8s.Provider("kubernetes", {
        kubeconfig,
        context: model.kubernetes.context,
        // Never fall back to "whatever namespace the context says": every object names its namespace.
        namespace: "default",
        enableServerSideApply: true,
    });
}

export function deployPlatform(model: PlatformModel): PlatformOutputs {
    const config = new pulumi.Config(PROJECT);
    const kubernetes = kubernetesProvider(model, config);
    const namespaces = new PlatformNamespaces("namespaces", {
        namespaces: model.catalog.namespaces,
        revisionTag: model.components.mesh ? model.mesh.revisionTag : undefined,
        kubernetes,
        protect: model.protect,
    });

    const meshComponent = model.components.mesh
        ? new ServiceMesh("mesh", { mesh: model.mesh, catalog: model.catalog, kubernetes, namespaces: namespaces.byName, context: meshContext(model) })
        : undefined;

    let gateway: PlatformOutputs["gateway"];
    if (model.gateway) {
        const component = new ApiGateway("gateway", {
            model: model.gateway,
            catalog: model.catalog,
            namespace: namespaces.byName[GATEWAY.namespace],
            kubernetes,
            secrets: readGatewaySecrets(model.gateway, config),
            crdsReady: meshComponent?.crdsReady,
            meshPodsReady: meshComponent?.podsReady,
            workloads: model.workloads,
            meshRevision: meshComponent ? model.mesh.active.name : undefined,
            protect: model.protect,
            // The Kong provider port-forwards to Kong with the same credentials as the Kubernetes provider.
            kubernetesAccess: {
                kubeconfig: model.kubernetes.kubeconfigFromSecret ? config.requireSecret("kubeconfig") : undefined,
                kubeconfigPath: model.kubernetes.kubeconfigPath,
                context: model.kubernetes.context,
            },
        });
        gateway = {
            namespace: GATEWAY.namespace,
            proxyUrl: `http://${serviceHost(GATEWAY.proxyService, GATEWAY.namespace)}:${GATEWAY.servicePorts.http}`,
            ...(component.adminUrl !== undefined ? { adminUrl: component.adminUrl } : {}),
            jwtRequired: model.gateway.jwtRequired,
            routes: Object.fromEntries(component.declaration.services.flatMap((svc) => svc.routes.map((r) => [r.name, [...(r.paths ?? [])]]))),
            jwtSecrets: component.jwtSecrets,
        };
    }

    let events: PlatformOutputs["events"];
    if (model.events) {
        new EventTopics("events", {
            model: model.events,
            saslPassword: model.events.connection.sasl ? config.requireSecret(EVENTS_SASL_PASSWORD_KEY) : undefined,
            clientCert: model.events.connection.clientCertificate ? config.requireSecret(EVENTS_CLIENT_CERT_KEY) : undefined,
            clientKey: model.events.connection.clientCertificate ? config.requireSecret(EVENTS_CLIENT_KEY_KEY) : undefined,
        });
        events = eventsOutputs(model.events);
    }

    let observability: PlatformOutputs["observability"];
    if (model.observability) {
        const component = new Observability("observability", {
            model: model.observability,
            catalog: model.catalog,
            grafanaAuth: model.observability.grafana.manage ? config.requireSecret(GRAFANA_AUTH_KEY) : undefined,
            kubernetes,
            strictNamespaces: model.components.mesh ? Object.entries(model.mesh.namespaceMtls).filter(([, mode]) => mode === "STRICT").map(([ns]) => ns) : [],
            // The names topics have in Kafka (with the stack's prefix) when this stack manages them.
            topics: model.events ? model.events.topics.map((t) => t.name) : loadTopicCatalog().topics.map((t) => t.name),
        });
        observability = { dashboards: component.dashboardUrls, folderUid: model.observability.grafana.folderUid, kafkaExporterJob: model.observability.kafkaExporter.job };
    }
    return { mesh: meshComponent?.outputs, namespaces: model.catalog.namespaces.map((n) => n.name), gateway, events, observability };
}
