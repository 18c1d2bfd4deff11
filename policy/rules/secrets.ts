import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as YAML from "yaml";
import { asObject, peek, PlainObject } from "./values";

/**
 * No secret value in Helm release values or in plain stack outputs (all environments). Secrets reach the cluster
 * through Kubernetes Secrets built from `config.requireSecret` / `RandomPassword` / `pulumi.secret`, never through
 * chart values (Helm keeps them in its release record) or outputs.
 *
 * Heuristic, by name and by shape:
 * - a key whose last words name a credential (password, passwd, pwd, pass, passphrase, secret, token, jwt, dsn,
 *   apiKey, accessKey, aws_access_key_id, secretKey, privateKey, signingKey, clientSecret, credential(s),
 *   authorization, connectionString; any case or separator, a trailing `Value`/`Data`/digits ignored, so
 *   `password1`, `passwordValue` and `apiKeyValue` count) with a value that is not a placeholder (`[redacted]`,
 *   `${VAR}`, empty), and every value inside a map of credentials (`jwtSecrets: { <name>: <secret> }`).
 *   `existingSecret`-style keys and keys ending in another word (`secretName`, `tokenFile`, `passwordSecretRef`,
 *   `bypass`) name a reference or something else and pass;
 * - by shape under any key: a URL with a password in its user-info (DSNs included), a Bearer/Basic credential, a PEM
 *   private key, a `--password=`/`--token ` argument, a `password=` connection string, a long high-entropy value
 *   under a suspicious key (`auth`, `key`, `session`, ...), and all of these inside a string that is itself a YAML or
 *   JSON document (a values blob, a kubeconfig with a token);
 * - a value computed from another resource (unknown during preview) under such a key, e.g. a RandomPassword result;
 * - an environment-variable style entry `{ name: <credential-named>, value: <non-empty or computed> }`.
 * Values are never echoed in messages, only their paths.
 *
 * Stack outputs: the root stack resource (`pulumi:pulumi:Stack`) carries them as its outputs in validateStack.
 * @pulumi/policy 1.21 unwraps secrets before a policy sees them (deserializeProperties with secret proxying off),
 * so a `pulumi.secret(...)` output looks like a plain one; outputs that are deliberately secret are listed in
 * `allowedOutputPaths` (their secretness is asserted by the program's own tests with `pulumi.isSecret`).
 */

/** Last words of a key that name a credential (`dbPassword`, `DB_PWD`, `aws_access_key_id`, `jwt`, `dsn`, ...). */
const CREDENTIAL_TAILS: readonly (readonly string[])[] = [
    ["password"], ["passwd"], ["pwd"], ["pass"], ["passphrase"], ["secret"], ["token"], ["jwt"], ["dsn"], ["credential"], ["credentials"],
    ["apikey"], ["api", "key"], ["access", "key"], ["accesskey"], ["secret", "key"], ["secretkey"], ["private", "key"], ["privatekey"],
    ["signing", "key"], ["client", "secret"], ["access", "key", "id"], ["connection", "string"], ["authorization"], ["auth", "header"],
];
/** Maps of credentials by name (`jwtSecrets: { <credential>: <secret> }`). */
const CREDENTIAL_MAP_TAILS: readonly (readonly string[])[] = [["passwords"], ["secrets"], ["tokens"], ["apikeys"], ["api", "keys"], ["access", "keys"], ["private", "keys"], ["privatekeys"], ["credentials"]];
/** Trailing words that do not change what a key holds (`passwordValue`, `apiKeyValue`, `password1`). */
const NEUTRAL_TAILS = /^(value|data|string|text|\d+)$/;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
/** Placeholders that stand for a secret without being one: the plan's `[redacted]`, `<redacted>`, `***`, `${VAR}`. */
const PLACEHOLDER = /^(\[redacted\]|<redacted>.*|\*+|\$\{[^}]+\}|\(set\)|\[secret\])$/i;

/** `DB_PASSWORD`, `db-password`, `dbPassword`, `password1` → `["db", "password"]` / `["password", "1"]`. */
export function keyWords(key: string): string[] {
    return key
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
        .replace(/([A-Za-z])(\d+)$/, "$1 $2")
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((w) => w !== "");
}

function endsWith(words: readonly string[], tail: readonly string[]): boolean {
    return tail.length <= words.length && tail.every((w, i) => words[words.length - tail.length + i] === w);
}

function meaningful(key: string): string[] {
    const words = keyWords(key);
    while (words.length > 1 && NEUTRAL_TAILS.test(words[words.length - 1])) {
        words.pop();
    }
    return words;
}

export function isSecretKey(key: string): boolean {
    const words = meaningful(key);
    return words.length > 0 && words[0] !== "existing" && CREDENTIAL_TAILS.some((t) => endsWith(words, t));
}

/** Keys that name where a secret lives rather than hold it (`existingSecret`, `secretName`, `keyRef`, `tokenFile`). */
function isReferenceKey(key: string): boolean {
    const words = meaningful(key);
    return words[0] === "existing" || (words.length > 0 && /^(name|ref|reference|file|path)$/.test(words[words.length - 1]));
}

export function isSecretMapKey(key: string): boolean {
    const words = meaningful(key);
    return words.length > 0 && words[0] !== "existing" && CREDENTIAL_MAP_TAILS.some((t) => endsWith(words, t));
}

export interface SecretFinding {
    /** Dotted path of the offending value, e.g. `values.auth.adminPassword`. */
    readonly path: string;
    readonly why: string;
}

function child(path: string, key: string): string {
    return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Shannon entropy in bits per character: random keys and tokens score high, words and settings low. */
export function entropy(text: string): number {
    const counts = new Map<string, number>();
    for (const ch of text) {
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    let bits = 0;
    for (const n of counts.values()) {
        const p = n / text.length;
        bits -= p * Math.log2(p);
    }
    return bits;
}

/** Keys that often hold credentials without being named for one (`auth`, `key`, `bearer`, `session`, `cookie`, `signature`). */
const SUSPICIOUS_KEY = /^(auth|authentication|key|keys|bearer|session|cookie|signature|sig|hmac|salt|otp|pin|seed|cert|certificate|license|conn|connection)$/;

/**
 * Why a string value looks like a secret by its shape, whatever its key: a password in a URL's user-info (also DSNs
 * such as postgres://user:pass@host/db), an Authorization header value (Bearer/Basic), a PEM private key, a
 * `--password=` style argument, a key=value DSN with a password, or a long random-looking value under a suspicious key.
 */
export function secretShape(value: string, key: string | undefined): string | undefined {
    const v = value.trim();
    if (PEM_PRIVATE_KEY.test(v)) {
        return "holds a PEM private key";
    }
    const userinfo = /(?:^|[^A-Za-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:([^/@\s]+)@/i.exec(v);
    if (userinfo !== null && !isPlaceholder(decodeURIComponentSafe(userinfo[1]))) {
        return "holds a URL with a password in its user-info";
    }
    if (/^(bearer|basic|token|digest)\s+[A-Za-z0-9._~+/=-]{8,}$/i.test(v)) {
        return "holds an Authorization header credential";
    }
    if (/(^|\s)--?(password|passwd|pwd|pass|token|secret|api-?key|access-?key|client-?secret)(=|\s+)(?!\$\{|\[redacted\])\S+/i.test(v)) {
        return "holds a credential in a command-line argument (--password=...)";
    }
    if (/(^|[\s;])(password|pwd)\s*=\s*(?!\$\{|\[redacted\]|;)[^\s;]+/i.test(v)) {
        return "holds a connection string with a password (password=...)";
    }
    const words = key === undefined ? [] : meaningful(key);
    const last = words[words.length - 1] ?? "";
    if (SUSPICIOUS_KEY.test(last) && v.length >= 16 && !/\s/.test(v) && entropy(v) >= 3.5 && /[0-9]/.test(v) && /[A-Za-z]/.test(v)) {
        return `is a high-entropy value under the suspicious key ${key}`;
    }
    return undefined;
}

/** A string that is itself a YAML or JSON document of keys (a values blob, a kubeconfig), to search inside. */
function embeddedDocument(value: string): unknown {
    if (!/[:{]/.test(value) || !/\n|^\s*\{/.test(value)) {
        return undefined;
    }
    try {
        const doc = YAML.parse(value) as unknown;
        return doc !== null && typeof doc === "object" ? doc : undefined;
    } catch {
        return undefined;
    }
}

function decodeURIComponentSafe(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        return text;
    }
}

function isPlaceholder(value: string): boolean {
    return value.trim() === "" || PLACEHOLDER.test(value.trim());
}

/** Walks plain data (objects, arrays, scalars) and reports secret-looking values by path. */
export function findSecrets(value: unknown, path: string, allowed: readonly string[] = []): SecretFinding[] {
    const findings: SecretFinding[] = [];
    const visit = (v: unknown, p: string, secretKey: boolean, secretMap: boolean, key: string | undefined, depth: number): void => {
        if (allowed.some((a) => p === a || p.startsWith(`${a}.`) || p.startsWith(`${a}[`))) {
            return;
        }
        if (typeof v === "string") {
            const shape = secretShape(v, key);
            if (shape !== undefined) {
                findings.push({ path: p, why: shape });
            } else if (secretKey && !isPlaceholder(v)) {
                findings.push({ path: p, why: "is a credential-named key with a literal value" });
            } else if (depth < 3) {
                const doc = embeddedDocument(v);
                if (doc !== undefined) {
                    const before = findings.length;
                    visit(doc, `${p}<document>`, false, false, undefined, depth + 1);
                    for (let i = before; i < findings.length; i++) {
                        findings[i] = { path: findings[i].path, why: `${findings[i].why} (inside a YAML/JSON string)` };
                    }
                }
            }
            return;
        }
        if (typeof v === "number") {
            if (secretKey) {
                findings.push({ path: p, why: "is a credential-named key with a literal value" });
            }
            return;
        }
        const entries: [string, unknown, boolean, boolean, string | undefined][] = [];
        if (Array.isArray(v)) {
            for (let i = 0; i < v.length; i++) {
                const item = peek(v as unknown as PlainObject, String(i));
                if (item.known) {
                    entries.push([`${p}[${i}]`, item.value, secretKey, secretMap, key]);
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
                } else if (typeof entryValue.value === "string" && !isPlaceholder(entryValue.value) && secretShape(entryValue.value, "value") === undefined) {
                    findings.push({ path: `${p}.value`, why: `sets ${entryName.value} to a literal value` });
                }
            }
            for (const k of Object.keys(o)) {
                const keyIsSecret = isSecretKey(k) || (secretMap && !isReferenceKey(k));
                const item = peek(o, k);
                if (item.known) {
                    entries.push([child(p, k), item.value, keyIsSecret, isSecretMapKey(k), k]);
                } else if (keyIsSecret) {
                    findings.push({ path: child(p, k), why: "is a credential-named key with a computed value (from another resource's output)" });
                }
            }
        }
        for (const [childPath, childValue, childSecret, childMap, childKey] of entries) {
            visit(childValue, childPath, childSecret, childMap, childKey, depth);
        }
    };
    visit(value, path, false, false, undefined, 0);
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
