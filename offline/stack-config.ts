import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { buildModel, isSecretKey, PlatformModel, PROJECT, rawConfigFrom, REPO_ROOT, requiredSecrets } from "../model";

/**
 * A mistake of the person running the plan (unknown stack, bad arguments, a folder the plan does not own, a stack
 * file that does not parse): reported as its message alone, never with the internal-error debugging hint.
 */
export class PlanUserError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanUserError";
    }
}

/** A stack's config as Pulumi would hand it to the program, read from `Pulumi.<stack>.yaml` without the CLI. */
export interface StackConfig {
    readonly stack: string;
    /** `project:key` → string (objects JSON-encoded), as `pulumi.runtime.allConfig()` returns it. */
    readonly flat: Record<string, string>;
    /** Keys (without project prefix) whose values are secrets; their values here are placeholders. */
    readonly secretKeys: string[];
    /** Secret-named keys (without prefix) the stack file holds in plaintext: an error of the model. */
    readonly plaintextSecretKeys: string[];
}

/** What the plan puts where a secret's value would be: the CLI is absent, so nothing could be decrypted anyway. */
export const REDACTED = "[redacted]";

export function stackFile(stack: string, dir: string = REPO_ROOT): string {
    return path.join(dir, `Pulumi.${stack}.yaml`);
}

export function listStacks(): string[] {
    return fs
        .readdirSync(REPO_ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** `dir`: where the stack files are (the project root; tests use a folder of their own). */
export function readStackConfig(stack: string, dir: string = REPO_ROOT): StackConfig {
    const file = stackFile(stack, dir);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !fs.existsSync(file)) {
        throw new PlanUserError(`no stack ${stack}: ${path.basename(file)} does not exist (stacks here: ${listStacks().join(", ")})`);
    }
    let doc: { config?: Record<string, unknown> };
    try {
        doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    } catch (e) {
        // The first line only: the YAML library appends the offending source line, which may be a value.
        const where = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
        const first = (e as Error).message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        throw new PlanUserError(`${path.basename(file)} is not valid YAML${where ? ` at line ${where.line}, column ${where.col}` : ""}: ${first}`);
    }
    const flat: Record<string, string> = {};
    const secretKeys: string[] = [];
    const plaintextSecretKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(doc.config ?? {})) {
        const [project, key] = fullKey.includes(":") ? [fullKey.slice(0, fullKey.indexOf(":")), fullKey.slice(fullKey.indexOf(":") + 1)] : [PROJECT, fullKey];
        const isSecret = typeof value === "object" && value !== null && "secure" in value;
        if (project !== PROJECT) {
            // Kept, so the model can catch a mistyped project prefix (its value is never looked at).
            flat[fullKey] = isSecret ? REDACTED : "(set)";
            continue;
        }
        if (isSecret) {
            secretKeys.push(key);
        } else if (isSecretKey(key)) {
            plaintextSecretKeys.push(key);
        }
        flat[`${PROJECT}:${key}`] = isSecret || isSecretKey(key) ? REDACTED : typeof value === "string" ? value : JSON.stringify(value);
    }
    return { stack, flat, secretKeys, plaintextSecretKeys };
}

/** A stack's config ready to evaluate without the CLI: secrets the model needs but the file lacks get placeholders. */
export interface EvaluableConfig {
    readonly flat: Record<string, string>;
    readonly secretKeys: string[];
    /** Secret keys the stack must set before `pulumi up`. */
    readonly missingSecrets: string[];
    /** The validated model of this config (what index.ts will build from it). */
    readonly model: PlatformModel;
}

export function withPlaceholderSecrets(cfg: StackConfig, overrides: Record<string, string> = {}): EvaluableConfig {
    const flat = { ...cfg.flat, ...overrides };
    const model = buildModel({ stack: cfg.stack, config: rawConfigFrom(flat), plaintextSecretKeys: cfg.plaintextSecretKeys });
    const missingSecrets = requiredSecrets(model).filter((k) => flat[`${PROJECT}:${k}`] === undefined);
    for (const key of missingSecrets) {
        flat[`${PROJECT}:${key}`] = REDACTED;
    }
    return { flat, secretKeys: [...cfg.secretKeys, ...missingSecrets], missingSecrets, model };
}
