import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { buildModel, PlatformModel, PROJECT, rawConfigFrom, REPO_ROOT, requiredSecrets } from "../model";

/** A stack's config as Pulumi would hand it to the program, read from `Pulumi.<stack>.yaml` without the CLI. */
export interface StackConfig {
    readonly stack: string;
    /** `project:key` → string (objects JSON-encoded), as `pulumi.runtime.allConfig()` returns it. */
    readonly flat: Record<string, string>;
    /** Keys (without project prefix) whose values are secrets; their values here are placeholders. */
    readonly secretKeys: string[];
}

/** What the plan puts where a secret's value would be: the CLI is absent, so nothing could be decrypted anyway. */
export const REDACTED = "[redacted]";

export function stackFile(stack: string): string {
    return path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
}

export function listStacks(): string[] {
    return fs
        .readdirSync(REPO_ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

export function readStackConfig(stack: string): StackConfig {
    const file = stackFile(stack);
    if (!fs.existsSync(file)) {
        throw new Error(`no stack ${stack}: ${path.basename(file)} does not exist (stacks here: ${listStacks().join(", ")})`);
    }
    const doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const flat: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(doc.config ?? {})) {
        const [project, key] = fullKey.includes(":") ? [fullKey.slice(0, fullKey.indexOf(":")), fullKey.slice(fullKey.indexOf(":") + 1)] : [PROJECT, fullKey];
        if (project !== PROJECT) {
            continue;
        }
        const isSecret = typeof value === "object" && value !== null && "secure" in value;
        if (isSecret) {
            secretKeys.push(key);
        }
        flat[`${PROJECT}:${key}`] = isSecret ? REDACTED : typeof value === "string" ? value : JSON.stringify(value);
    }
    return { stack, flat, secretKeys };
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
    const model = buildModel({ stack: cfg.stack, config: rawConfigFrom(flat) });
    const missingSecrets = requiredSecrets(model).filter((k) => flat[`${PROJECT}:${k}`] === undefined);
    for (const key of missingSecrets) {
        flat[`${PROJECT}:${key}`] = REDACTED;
    }
    return { flat, secretKeys: [...cfg.secretKeys, ...missingSecrets], missingSecrets, model };
}
