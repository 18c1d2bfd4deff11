import { PolicyConfigSchema } from "@pulumi/policy";

/**
 * Which stacks are production: decided by the policy pack's config, never by the program.
 *
 * Per policy (`--policy-pack-config policy/prod.json`): `environment: "prod"` marks the stack as production,
 * any other value marks it as not production. Without `environment`, the stack name (read from the resource
 * URN, `urn:pulumi:<stack>::<project>::...`) is matched against `prodStackPattern`, so running the pack without
 * a config file on a stack named `prod` still enforces the production rules.
 */

export const PROD_ENVIRONMENT = "prod";
export const DEFAULT_PROD_STACK_PATTERN = "^prod(uction)?([-_.].+)?$";

export interface EnvironmentConfig {
    /** `prod` for production; anything else (e.g. `dev`) for not production. Wins over the stack-name pattern. */
    readonly environment?: string;
    /** Regular expression for production stack names, used when `environment` is not set. */
    readonly prodStackPattern?: string;
}

export const environmentProperties: PolicyConfigSchema["properties"] = {
    environment: {
        type: "string",
        description: 'Environment of the stack under analysis: "prod" enforces the production rules; any other value (e.g. "dev") skips them.',
    },
    prodStackPattern: {
        type: "string",
        default: DEFAULT_PROD_STACK_PATTERN,
        description: "When environment is not set: regular expression a production stack name matches.",
    },
};

/** The stack name in a resource URN, or undefined when the URN has an unexpected shape. */
export function stackOfUrn(urn: string): string | undefined {
    const m = /^urn:pulumi:([^:]+)::/.exec(urn);
    return m === null ? undefined : m[1];
}

export interface EnvironmentDecision {
    readonly production: boolean;
    /** Why, for notApplicable reasons and messages. */
    readonly reason: string;
}

export function decideEnvironment(config: EnvironmentConfig, urn: string): EnvironmentDecision {
    if (config.environment !== undefined) {
        const production = config.environment === PROD_ENVIRONMENT;
        return { production, reason: `policy config environment is "${config.environment}"` };
    }
    const pattern = config.prodStackPattern ?? DEFAULT_PROD_STACK_PATTERN;
    const stack = stackOfUrn(urn);
    if (stack === undefined) {
        // Fail closed: an unreadable URN is treated as production rather than silently skipping the rules.
        return { production: true, reason: `stack name not readable from URN ${urn}; treated as production` };
    }
    const production = new RegExp(pattern).test(stack);
    return { production, reason: `stack "${stack}" ${production ? "matches" : "does not match"} prodStackPattern ${pattern}` };
}
