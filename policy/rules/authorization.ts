import { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asObject, asString, at, describeObject, PlainObject } from "./values";

/**
 * No AuthorizationPolicy that allows everyone (all environments).
 *
 * An ALLOW policy (action ALLOW or unset) matches a request when any rule matches; a rule matches every caller on
 * every port when it narrows neither the source nor the port:
 * - `from` narrows only when every entry names sources (principals, requestPrincipals, namespaces, ipBlocks or
 *   remoteIpBlocks with a value other than "*"); `from` entries are alternatives, so one open entry opens the rule;
 * - `to` narrows only when every entry lists `operation.ports` (methods or paths alone leave every caller in).
 * `rules: [{}]` is the canonical allow-all. An ALLOW policy with no rules (`spec: {}`) matches nothing: that is the
 * namespace default-deny and passes. DENY, AUDIT and CUSTOM policies are not checked here. `when` conditions are not
 * counted as narrowing (keep them for claims on top of a named source).
 */

export const AUTHORIZATION_POLICY_TYPES: readonly string[] = [
    "kubernetes:security.istio.io/v1:AuthorizationPolicy",
    "kubernetes:security.istio.io/v1beta1:AuthorizationPolicy",
];

const SOURCE_FIELDS = ["principals", "requestPrincipals", "namespaces", "ipBlocks", "remoteIpBlocks"] as const;

function sourceNarrows(entry: unknown): boolean {
    const source = asObject(at(entry, "source"));
    if (source === undefined) {
        return false;
    }
    return SOURCE_FIELDS.some((field) => asArray(source[field]).some((v) => typeof v === "string" && v !== "" && v !== "*"));
}

function fromNarrows(rule: PlainObject): boolean {
    const from = asArray(rule.from);
    return from.length > 0 && from.every(sourceNarrows);
}

function toNarrowsPorts(rule: PlainObject): boolean {
    const to = asArray(rule.to);
    return to.length > 0 && to.every((entry) => asArray(at(entry, "operation", "ports")).length > 0);
}

export function allowAllProblems(props: PlainObject, logicalName: string): string[] {
    const spec = asObject(props.spec) ?? {};
    const action = asString(spec.action) ?? "ALLOW";
    if (action !== "ALLOW") {
        return [];
    }
    const id = describeObject("AuthorizationPolicy", props, logicalName);
    const problems: string[] = [];
    asArray(spec.rules).forEach((raw, i) => {
        const rule = asObject(raw) ?? {};
        if (!fromNarrows(rule) && !toNarrowsPorts(rule)) {
            const shape = Object.keys(rule).length === 0 ? "is empty ({} matches every request)" : "names no source in from and no to.operation.ports";
            problems.push(
                `${id}: ALLOW rule spec.rules[${i}] ${shape}, so it allows every caller; ` +
                    `name the callers (from.source.principals/namespaces) or restrict it to declared plaintext ports (to.operation.ports).`,
            );
        }
    });
    return problems;
}

export const noAllowAllAuthorization: ResourceValidationPolicy = {
    name: "no-allow-all-authorization",
    description:
        "No Istio AuthorizationPolicy allows everyone: every ALLOW rule names its sources (from) or its ports (to.operation.ports); rules: [{}] is rejected, spec: {} (deny-all) is fine.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!AUTHORIZATION_POLICY_TYPES.includes(args.type)) {
            return;
        }
        for (const problem of allowAllProblems(args.props, args.name)) {
            reportViolation(problem);
        }
    },
};
