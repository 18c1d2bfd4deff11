import { SECRET_KEYS } from "../model";
import { PlanSection } from "./plan";

/**
 * What the components add to the offline plan beyond Kubernetes objects, Helm releases and provider resources.
 */

/** Each Grafana dashboard's model, pretty-printed, as Grafana will store it. */
const dashboards: PlanSection = (plan) =>
    plan.resources
        .filter((r) => r.type === "grafana:oss/dashboard:Dashboard" && typeof r.inputs.configJson === "string")
        .map((r) => {
            const model = JSON.parse(r.inputs.configJson as string) as { uid: string };
            return { file: `dashboards/${model.uid}.json`, content: `${JSON.stringify(model, null, 2)}\n` };
        });

export const planSections: readonly PlanSection[] = [dashboards];

/** Secrets a plan fills with placeholders when the stack file does not set them (all but the kubeconfig alternative). */
export const secretsToFill: readonly string[] = SECRET_KEYS.filter((k) => k !== "kubeconfig");
