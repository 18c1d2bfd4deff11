import { deriveKongEntities, renderDeck } from "../components/gateway";
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

/** The Kong entities the gateway manages through the Admin API, as a decK-style listing (JWT secrets redacted). */
const kong: PlanSection = (plan) => (plan.model.gateway ? [{ file: "kong/deck.yaml", content: renderDeck(deriveKongEntities(plan.model.gateway, plan.model.catalog, plan.stack)) }] : []);

export const planSections: readonly PlanSection[] = [dashboards, kong];
