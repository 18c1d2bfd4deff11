import { deriveKongEntities, renderDeck } from "../components/gateway";
import { promtoolPlanFiles } from "../components/observability/plan";
import { evaluateContract, renderFlows } from "../contract";
import { L3_ENGINE } from "../contract/l3";
import { Manifest } from "../model/wellknown";
import { toolPath } from "../validation/tools";
import { isKubernetesObject, kubernetesManifest, PlanSection } from "./plan";

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

/** The connectivity contract: every derived flow with its L3 and L7 verdicts and the policies that decided them. */
const flows: PlanSection = (plan) => {
    const engine = toolPath(L3_ENGINE);
    if (engine === undefined) {
        return [{ file: "flows.md", content: `# Connectivity contract: ${plan.stack}\n\nNot evaluated: the L3 engine ${L3_ENGINE} is not built (bash scripts/tools/install-go-tools.sh cyclonus).\n` }];
    }
    const manifests = plan.resources.filter((r) => isKubernetesObject(r) && !r.type.endsWith("Patch")).map((r) => kubernetesManifest(r) as unknown as Manifest);
    return [{ file: "flows.md", content: renderFlows(plan.stack, evaluateContract(plan.model, manifests, engine)) }];
};

/** Each PrometheusRule as a Prometheus rule file, and its generated `promtool test rules` file. */
const prometheus: PlanSection = (plan) => promtoolPlanFiles(plan.model);

export const planSections: readonly PlanSection[] = [dashboards, kong, flows, prometheus];
