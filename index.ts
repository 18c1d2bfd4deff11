import * as pulumi from "@pulumi/pulumi";
import { buildModel, rawConfigFrom } from "./model";
import { deployPlatform } from "./platform";
import { preflightTargets, runPreflight, secretValuesFrom } from "./preflight";

// Config and catalog are validated as a whole before any resource is declared.
// Under the real engine (its language host sets the monitor address) the kubeconfig file is checked too; the
// offline plan runs this file under mocks on machines that have no kubeconfig for the stack.
const underEngine = process.env.PULUMI_NODEJS_MONITOR !== undefined;
const model = buildModel({ stack: pulumi.getStack(), config: rawConfigFrom(pulumi.runtime.allConfig()), checkKubeconfig: underEngine });
// With an engine (preview, up) every endpoint a provider will use is checked from here first, and no resource is
// declared until it passes: a wrong endpoint fails `preview` the way it would fail `up`, and `up` changes nothing.
// Under mocks (the offline plan, unit tests) there is no engine and nothing to reach.
const outputs = pulumi.runtime.hasEngine()
    ? pulumi.output(runPreflight(preflightTargets(model, secretValuesFrom(pulumi.runtime.allConfig()))).then(() => deployPlatform(model)))
    : deployPlatform(model);

export const mesh = outputs.mesh;
export const namespaces = outputs.namespaces;
export const gateway = outputs.gateway;
export const events = outputs.events;
export const observability = outputs.observability;
