import * as YAML from "yaml";
import { PlatformModel } from "../../model";
import { loadTopicCatalog } from "../../model/events";
import { buildMonitors, scrapeJobs } from "./monitors";
import { promtoolTests } from "./promtool-tests";
import { WORKLOAD_REPORTING } from "./reporting";
import { RuleInputs, ruleGroups, testedRuleFiles } from "./rules";

/**
 * The rule inputs of a whole stack, derived the way platform.ts wires the component (STRICT namespaces from the mesh
 * model, topic names from the events model or the topic catalog), for the offline plan and the promtool tests.
 */
export function stackRuleInputs(model: PlatformModel): RuleInputs | undefined {
    const obs = model.observability;
    if (!obs) {
        return undefined;
    }
    return {
        model: obs,
        catalog: model.catalog,
        strictNamespaces: model.components.mesh ? Object.entries(model.mesh.namespaceMtls).filter(([, mode]) => mode === "STRICT").map(([ns]) => ns) : [],
        topics: model.events ? model.events.topics.map((t) => t.name) : loadTopicCatalog().topics.map((t) => t.name),
        reporting: WORKLOAD_REPORTING,
        scrapeJobs: scrapeJobs(buildMonitors(obs, model.catalog), obs),
    };
}

/**
 * `prometheus/<rule>.rules.yaml` (what each PrometheusRule's spec is: a Prometheus rule file) and
 * `prometheus/<rule>.test.yaml` (its generated unit tests), so `promtool check rules` and `promtool test rules` run
 * straight on the plan: `cd out/plan/<stack>/prometheus && promtool test rules *.test.yaml`.
 */
export function promtoolPlanFiles(model: PlatformModel): { file: string; content: string }[] {
    const inputs = stackRuleInputs(model);
    if (inputs === undefined) {
        return [];
    }
    const yaml = (v: unknown): string => YAML.stringify(v, { aliasDuplicateObjects: false, lineWidth: 0 });
    return testedRuleFiles(inputs).flatMap((f) => [
        { file: `prometheus/${f.name}.rules.yaml`, content: yaml({ groups: ruleGroups(f.groups) }) },
        { file: `prometheus/${f.name}.test.yaml`, content: yaml(promtoolTests(`${f.name}.rules.yaml`, f.groups)) },
    ]);
}
