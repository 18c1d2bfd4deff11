import type { ResolvedTopic } from "../../../model/events";
import { registrySchemaText, SchemaSet, valueSubject } from "../../../producer/schemas";
import type { SubjectInputs } from "./provider";

/**
 * What the program registers for one topic: the subject `<kafka topic>-value` (the name the producer library looks
 * ids up under), at the topic family's compatibility level, with every recorded version (schemas/history/) then the
 * current schema (schemas/), oldest first. The one derivation of subjects: the component and the registry tests use it.
 */
export function subjectInputs(url: string, topic: Pick<ResolvedTopic, "name" | "schema" | "compatibility">, schemas: SchemaSet): SubjectInputs {
    const history = schemas.history(topic.schema).map((v) => registrySchemaText(v.type));
    const current = registrySchemaText(schemas.type(topic.schema));
    return {
        url,
        subject: valueSubject(topic.name),
        compatibility: topic.compatibility,
        versions: history[history.length - 1] === current ? history : [...history, current],
    };
}
