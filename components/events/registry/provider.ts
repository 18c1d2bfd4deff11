/**
 * A Pulumi dynamic provider for schema-registry subjects, over the Confluent Schema Registry REST API (the API
 * Apicurio Registry serves under /apis/ccompat/v7; Confluent's "Schema Registry API reference": PUT /config/{subject},
 * POST /subjects/{subject}/versions, POST /compatibility/subjects/{subject}/versions/latest?verbose=true,
 * GET /subjects/{subject}/versions/latest, DELETE /subjects/{subject}).
 *
 * One resource = one subject (`<topic>-value`): its compatibility level and its versions, oldest first, the last being
 * the current schema (schemas/history/ then schemas/).
 * - check (runs in `pulumi preview`): when the subject exists, asks the registry whether the current schema is
 *   compatible at the subject's level and fails with the registry's own messages if not, so an incompatible change
 *   shows before `up`.
 * - create/update: sets the level first, then registers every version in order (registering a schema the subject
 *   already holds returns its id: harmless on retry); outputs the current schema's id and version.
 * - read: the latest version; 404 = gone. delete: soft delete, then permanent.
 *
 * Pulumi serializes this module with its closure: it uses only the global fetch. Keep it that way.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface SubjectInputs {
    /** The registry's Confluent-compatible base URL, e.g. http://127.0.0.1:18081/apis/ccompat/v7. */
    readonly url: string;
    readonly subject: string;
    readonly compatibility: string;
    /** Schema texts (JSON), oldest first; the last is the current schema. */
    readonly versions: readonly string[];
}

export interface SubjectOutputs extends SubjectInputs {
    /** Registry id of the current schema. */
    readonly schemaId: number;
    readonly version: number;
}

interface RegistryAnswer {
    readonly status: number;
    readonly body: Record<string, unknown>;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<RegistryAnswer> {
    const response = await fetch(`${url.replace(/\/$/, "")}${path}`, {
        method,
        headers: { "content-type": "application/vnd.schemaregistry.v1+json", accept: "application/vnd.schemaregistry.v1+json, application/json" },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
        parsed = text === "" ? {} : JSON.parse(text);
    } catch {
        parsed = { message: text };
    }
    return { status: response.status, body: (Array.isArray(parsed) ? { items: parsed } : parsed) as Record<string, unknown> };
}

/** The registry's error, verbatim (Confluent's {error_code, message}). */
function registryError(what: string, a: RegistryAnswer): Error {
    return new Error(`schema registry: ${what} answered HTTP ${a.status}${a.body.error_code !== undefined ? ` (error_code ${String(a.body.error_code)})` : ""}: ${String(a.body.message ?? JSON.stringify(a.body))}`);
}

const enc = (s: string): string => encodeURIComponent(s);

export async function compatibilityProblems(inputs: SubjectInputs): Promise<string[]> {
    const current = inputs.versions[inputs.versions.length - 1];
    const latest = await call(inputs.url, "GET", `/subjects/${enc(inputs.subject)}/versions/latest`);
    if (latest.status === 404) {
        return [];
    }
    if (latest.status !== 200) {
        throw registryError(`GET /subjects/${inputs.subject}/versions/latest`, latest);
    }
    if (latest.body.schema === current) {
        return [];
    }
    const a = await call(inputs.url, "POST", `/compatibility/subjects/${enc(inputs.subject)}/versions/latest?verbose=true`, { schema: current, schemaType: "AVRO" });
    if (a.status !== 200) {
        throw registryError(`the compatibility check of ${inputs.subject}`, a);
    }
    if (a.body.is_compatible === true) {
        return [];
    }
    return incompatibilityMessages(a.body);
}

/**
 * The registry's reasons for `is_compatible: false`, verbatim. Confluent answers `messages` (a list, with
 * `?verbose=true`); Apicurio's ccompat API answers `reason` (a string: io.apicurio.registry.ccompat.dto
 * .CompatibilityCheckResponse in io.apicurio:apicurio-registry-app:2.4.2.Final, fields isCompatible and reason).
 */
export function incompatibilityMessages(body: Record<string, unknown>): string[] {
    const messages = Array.isArray(body.messages) ? (body.messages as unknown[]).map(String) : [];
    if (typeof body.reason === "string" && body.reason !== "") {
        messages.push(body.reason);
    }
    return messages.length > 0 ? messages : ["the registry says the current schema is not compatible (no messages given)"];
}

async function apply(inputs: SubjectInputs): Promise<SubjectOutputs> {
    const config = await call(inputs.url, "PUT", `/config/${enc(inputs.subject)}`, { compatibility: inputs.compatibility });
    if (config.status !== 200) {
        throw registryError(`PUT /config/${inputs.subject}`, config);
    }
    let schemaId = -1;
    for (const [i, schema] of inputs.versions.entries()) {
        const r = await call(inputs.url, "POST", `/subjects/${enc(inputs.subject)}/versions`, { schema, schemaType: "AVRO" });
        if (r.status !== 200) {
            throw registryError(`registering version ${i + 1} of ${inputs.versions.length} of ${inputs.subject}`, r);
        }
        schemaId = Number(r.body.id);
    }
    const latest = await call(inputs.url, "GET", `/subjects/${enc(inputs.subject)}/versions/latest`);
    if (latest.status !== 200) {
        throw registryError(`GET /subjects/${inputs.subject}/versions/latest`, latest);
    }
    return { ...inputs, schemaId, version: Number(latest.body.version) };
}

export const subjectProvider: pulumi.dynamic.ResourceProvider<SubjectInputs, SubjectOutputs> = {
    async check(_olds: SubjectInputs, news: SubjectInputs): Promise<pulumi.dynamic.CheckResult<SubjectInputs>> {
        if (news.versions.length === 0) {
            return { failures: [{ property: "versions", reason: `subject ${news.subject} has no schema` }] };
        }
        const problems = await compatibilityProblems(news);
        return problems.length > 0 ? { failures: problems.map((reason) => ({ property: "versions", reason: `${news.subject} (${news.compatibility}): ${reason}` })) } : { inputs: news };
    },
    async diff(_id: string, olds: SubjectOutputs, news: SubjectInputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces = olds.url !== news.url || olds.subject !== news.subject ? ["subject"] : [];
        const changes = replaces.length > 0 || olds.compatibility !== news.compatibility || JSON.stringify(olds.versions) !== JSON.stringify(news.versions);
        return { changes, replaces, deleteBeforeReplace: false };
    },
    async create(inputs: SubjectInputs): Promise<pulumi.dynamic.CreateResult<SubjectOutputs>> {
        const outs = await apply(inputs);
        return { id: inputs.subject, outs };
    },
    async update(_id: string, _olds: SubjectOutputs, news: SubjectInputs): Promise<pulumi.dynamic.UpdateResult<SubjectOutputs>> {
        return { outs: await apply(news) };
    },
    async read(id: string, props?: SubjectOutputs): Promise<pulumi.dynamic.ReadResult<SubjectOutputs>> {
        if (props === undefined) {
            return {};
        }
        const latest = await call(props.url, "GET", `/subjects/${enc(props.subject)}/versions/latest`);
        if (latest.status === 404) {
            return {};
        }
        if (latest.status !== 200) {
            throw registryError(`GET /subjects/${props.subject}/versions/latest`, latest);
        }
        return { id, props: { ...props, schemaId: Number(latest.body.id), version: Number(latest.body.version) } };
    },
    async delete(_id: string, props: SubjectOutputs): Promise<void> {
        for (const path of [`/subjects/${enc(props.subject)}`, `/subjects/${enc(props.subject)}?permanent=true`]) {
            const r = await call(props.url, "DELETE", path);
            if (r.status !== 200 && r.status !== 404) {
                throw registryError(`DELETE ${path}`, r);
            }
        }
    },
};
