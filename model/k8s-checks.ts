import { Problems } from "./errors";
import { GatewayModel } from "./gateway";
import { annotations, checkK8sName as check } from "./k8s-rules";
import { MeshModel } from "./mesh";

/**
 * Stack settings that become Kubernetes names, label values or annotation keys, checked against Kubernetes' own
 * rules (model/k8s-rules.ts) once the areas are parsed. The catalog's names are checked where they are read.
 */

/** `prefix` is the config key prefix (`service-integration:`). */
export function checkKubernetesNames(prefix: string, mesh: MeshModel, gateway: GatewayModel | undefined, problems: Problems): void {
    mesh.extraCallerNamespaces.forEach((ns) => check(problems, `${prefix}mesh.extraCallerNamespaces`, ns, "DNS-1123 label"));
    if (gateway === undefined) {
        return;
    }
    for (const bad of annotations(gateway.proxy.annotations)) {
        problems.add(
            `${prefix}gateway.proxy.annotations${bad.key !== undefined ? `.${bad.key}` : ""}`,
            bad.key ?? "(all annotations)",
            bad.key !== undefined ? `is not a valid Kubernetes annotation key (a qualified name): ${bad.errors.join("; ")}` : bad.errors.join("; "),
            bad.key !== undefined ? "use a key like service.beta.kubernetes.io/aws-load-balancer-internal" : "shorten the annotations",
        );
    }
    if (gateway.database.mode === "in-cluster" && gateway.database.storageClass !== undefined) {
        check(problems, `${prefix}gateway.database.storageClass`, gateway.database.storageClass, "DNS-1123 subdomain");
    }
}
