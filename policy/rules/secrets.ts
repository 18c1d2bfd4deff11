import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { asObject, peek, PlainObject } from "./values";

/**
 * No secret value in Helm release values or in plain stack outputs (all environments). Secrets reach the cluster
 * through Kubernetes Secrets built from `config.requireSecret` / `RandomPassword` / `pulumi.secret`, never through
 * chart values (Helm keeps them in its release record) or outputs.
 *
 * Heuristic, by key and by value:
 * - a key named like a credential (ends in password, passwd, passphrase, secret, token, apiKey, accessKey,
 *   secretKey, privateKey, signingKey, clientSecret, credential(s), ignoring case, `-` and `_`) with a non-empty
 *   string or number value, and every value inside a map of credentials (a key ending in passwords, secrets,
 *   tokens, apiKeys, credentials, ...: `jwtSecrets: { <name>: <secret> }`). `existingSecret`-style keys and keys
 *   that end in something else (`secretName`, `tokenFile`, `passwordSecretRef`) name a reference and pass;
 * - a value computed from another resource (unknown during preview) under such a key, e.g. a RandomPassword result;
 * - an environment-variable style entry `{ name: <credential-named>, value: <non-empty or computed> }`;
 * - any string value that holds a PEM private key.
 * Values are never echoed in messages, only their paths.
 *
 * Stack outputs: the root stack resource (`pulumi:pulumi:Stack`) carries them as its outputs in validateStack.
 * @pulumi/policy 1.21 unwraps secrets before a policy sees them (deserializeProperties with secret proxying off),
 * so a `pulumi.secret(...)` output looks like a plain one; outputs that are deliberately secret are listed in
 * `allowedOutputPaths` (their secretness is asserted by the program's own tests with `pulumi.isSecret`).
 */

const SECRET_KEY = /(password|passwd|passphrase|secret|token|apikey|accesskey|secretkey|privatekey|signingkey|clientsecret|credentials?)$/;
const REFERENCE_KEY = /^existing/;
/** Maps of secrets by name (`jwtSecrets: { <credential>: <secret> }`): every value below is a credential. */
const SECRET_MAP_KEY = /(passwords|secrets|tokens|apikeys|accesskeys|privatekeys|credentials)$/;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** `DB_PASSWORD`, `db-password`, `dbPassword` → `dbpassword`. */
function normalize(key: string): string {
    return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

export function isSecretKey(key: string): boolean {
    const k = normalize(key);
    return SECRET_KEY.test(k) && !REFERENCE_KEY.test(k);
}

/** Keys that name where a secret lives rather than hold it (`existingSecret`, `secretName`, `keyRef`, `tokenFile`). */
function isReferenceKey(key: string): boolean {
    return /^existing|(name|ref|reference|file|path)$/.test(normalize(key));
}

export function isSecretMapKey(key: string): boolean {
    const k = normalize(key);
    return SECRET_MAP_KEY.test(k) && !REFERENCE_KEY.test(k);
}

export interface SecretFinding {
    /** Dotted path of the offending value, e.g. `values.auth.adminPassword`. */
    readonly path: string;
    readonly why: string;
}

function child(path: string, key: string): string {
    return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Walks plain data (objects, arrays, scalars) and reports secret-looking values by path. */
export function findSecrets(value: unknown, path: string, allowed: readonly string[] = []): SecretFinding[] {
    const findings: SecretFinding[] = [];
    const visit = (v: unknown, p: string, secretKey: boolean, secretMap = false): void => {
        if (allowed.some((a) => p === a || p.startsWith(`${a}.`) || p.startsWith(`${a}[`))) {
            return;
        }
        if (typeof v === "string") {
            if (PEM_PRIVATE_KEY.test(v)) {
                findings.push({ path: p, why: "holds a PEM private key" });
            } else if (secretKey && v.trim() !== "") {
                findings.push({ path: p, why: "is a credential-named key with a literal value" });
            }
            return;
        }
        if (typeof v === "number") {
            if (secretKey) {
                findings.push({ path: p, why: "is a credential-named key with a literal value" });
            }
            return;
        }
        const entries: [string, unknown, boolean, boolean][] = [];
        if (Array.isArray(v)) {
            for (let i = 0; i < v.length; i++) {
                const item = peek(v as unknown as PlainObject, String(i));
                if (item.known) {
                    entries.push([`${p}[${i}]`, item.value, secretKey, secretMap]);
                } else if (secretKey) {
                    findings.push({ path: `${p}[${i}]`, why: "is a credential-named key with a computed value (from another resource's output)" });
                }
            }
        } else {
            const o = asObject(v);
            if (o === undefined) {
                return;
            }
            // Environment-variable style entries: { name: DB_PASSWORD, value: "..." }.
            const entryName = peek(o, "name");
            const entryValue = peek(o, "value");
            if (entryName.known && typeof entryName.value === "string" && isSecretKey(entryName.value)) {
                if (!entryValue.known) {
                    findings.push({ path: `${p}.value`, why: `sets ${entryName.value} from a computed value (from another resource's output)` });
                } else if (typeof entryValue.value === "string" && entryValue.value.trim() !== "") {
                    findings.push({ path: `${p}.value`, why: `sets ${entryName.value} to a literal value` });
                }
            }
            for (const key of Object.keys(o)) {
                const keyIsSecret = isSecretKey(key) || (secretMap && !isReferenceKey(key));
                const item = peek(o, key);
                if (item.known) {
                    entries.push([child(p, key), item.value, keyIsSecret, isSecretMapKey(key)]);
                } else if (keyIsSecret) {
                    findings.push({ path: child(p, key), why: "is a credential-named key with a computed value (from another resource's output)" });
                }
            }
        }
        for (const [childPath, childValue, childSecret, childMap] of entries) {
            visit(childValue, childPath, childSecret, childMap);
        }
    };
    visit(value, path, false);
    return findings;
}

export const HELM_RELEASE_TYPES: readonly string[] = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];

export const noSecretsInHelmValues: ResourceValidationPolicy = {
    name: "no-secrets-in-helm-values",
    description:
        "Helm release values hold no secret: no literal or computed value under a credential-named key (password, token, secret, apiKey, ...), no PEM private key; pass secrets through an existing Kubernetes Secret.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!HELM_RELEASE_TYPES.includes(args.type)) {
            return;
        }
        const values = peek(args.props, "values");
        if (!values.known) {
            reportViolation(`Helm release ${args.name}: values are computed from other resources' outputs, so they cannot be shown to hold no secret; build values from plain config.`);
            return;
        }
        for (const f of findSecrets(values.value, "values")) {
            reportViolation(`Helm release ${args.name}: ${f.path} ${f.why}; reference an existing Kubernetes Secret (e.g. existingSecret) instead.`);
        }
    },
};

interface OutputsConfig {
    readonly allowedOutputPaths?: string[];
}

export const STACK_TYPE = "pulumi:pulumi:Stack";

export const noSecretsInStackOutputs: StackValidationPolicy = {
    name: "no-secrets-in-stack-outputs",
    description:
        "Stack outputs hold no secret value: no credential-named output with a value and no PEM private key, unless the output path is listed in allowedOutputPaths (outputs wrapped in pulumi.secret).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedOutputPaths: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Output paths (e.g. gateway.jwtSecrets) that are exported wrapped in pulumi.secret; the policy cannot see secretness itself.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const stacks = args.resources.filter((r) => r.type === STACK_TYPE);
        if (stacks.length === 0) {
            args.notApplicable("no pulumi:pulumi:Stack resource in the analyzed state");
        }
        const allowed = (args.getConfig<OutputsConfig>().allowedOutputPaths ?? []).map((p) => `outputs.${p}`);
        for (const stack of stacks) {
            for (const f of findSecrets(stack.props, "outputs", allowed)) {
                reportViolation(`stack output ${f.path.slice("outputs.".length)} ${f.why}; do not export secrets, or export them wrapped in pulumi.secret and list the path in allowedOutputPaths.`, stack.urn);
            }
        }
    },
};
