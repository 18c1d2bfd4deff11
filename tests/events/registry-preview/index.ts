/**
 * Pulumi program of the `registry-preview` project (run by tests/events/preview.registry.test.ts through the real
 * CLI): one SchemaSubject per topic of the catalog, derived by subjectInputs exactly as the events component derives
 * them, without the Kafka side (the Kafka provider plugin is not built here).
 *
 * Config (namespace `registry-preview`):
 *   url           the registry's Confluent-compatible base URL
 *   topicPrefix   prepended to each topic name (so runs against a long-lived registry never mix)
 *   addRequired   when set, the name of a field appended without default to data-ingestion's schema: an incompatible
 *                 change under the family's FULL_TRANSITIVE, which preview must show as the registry's own error
 */
import * as pulumi from "@pulumi/pulumi";
import { SchemaSubject, subjectInputs } from "../../../components/events/registry";
import { compatibilityOf, loadTopicCatalog } from "../../../model/events";
import { SchemaSet } from "../../../producer/schemas";

const config = new pulumi.Config("registry-preview");
const url = config.require("url");
const prefix = config.get("topicPrefix") ?? "";
const addRequired = config.get("addRequired");
const catalog = loadTopicCatalog();
const schemas = SchemaSet.load();

export const schemaIds: Record<string, pulumi.Output<number>> = {};
for (const t of catalog.topics) {
    const inputs = subjectInputs(url, { name: `${prefix}${t.name}`, schema: t.schema, compatibility: compatibilityOf(catalog, t.schema) }, schemas);
    let versions = inputs.versions;
    if (addRequired !== undefined && t.name === "data-ingestion") {
        const current = JSON.parse(versions[versions.length - 1]) as { fields: unknown[] };
        versions = [...versions, JSON.stringify({ ...current, fields: [...current.fields, { name: addRequired, type: "string" }] })];
    }
    schemaIds[t.name] = new SchemaSubject(`subject-${t.name}`, { ...inputs, versions }).schemaId;
}
