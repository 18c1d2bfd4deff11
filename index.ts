import * as pulumi from "@pulumi/pulumi";
import { buildModel, rawConfigFrom } from "./model";
import { deployPlatform } from "./platform";

// Config and catalog are validated as a whole before any resource is declared.
const model = buildModel({ stack: pulumi.getStack(), config: rawConfigFrom(pulumi.runtime.allConfig()) });
const outputs = deployPlatform(model);

export const mesh = outputs.mesh;
export const namespaces = outputs.namespaces;
export const gateway = outputs.gateway;
export const events = outputs.events;
export const observability = outputs.observability;
