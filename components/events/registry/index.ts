import * as pulumi from "@pulumi/pulumi";
import { SubjectInputs, SubjectOutputs, subjectProvider } from "./provider";

/** One schema-registry subject managed by our provider (./provider.ts). */
export class SchemaSubject extends pulumi.dynamic.Resource {
    declare readonly schemaId: pulumi.Output<number>;
    declare readonly version: pulumi.Output<number>;

    constructor(name: string, args: { [K in keyof SubjectInputs]: pulumi.Input<SubjectInputs[K]> }, opts?: pulumi.CustomResourceOptions) {
        super(subjectProvider, name, { ...args, schemaId: undefined, version: undefined }, opts, "platform", "SchemaSubject");
    }
}

export type { SubjectOutputs };
export { subjectInputs } from "./subjects";
export { compatibilityProblems, incompatibilityMessages, subjectProvider, type SubjectInputs } from "./provider";
