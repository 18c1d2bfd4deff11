import { describe, expect, it } from "vitest";
import { dns1035Label, dns1123Label, dns1123Subdomain, labelValue, portName, qualifiedName } from "../../model/k8s-rules";
import { isKubernetesObject } from "../../offline/plan";
import { evaluateStack } from "../support/stack";

/**
 * Every Kubernetes object each stack declares, against Kubernetes' own rules (k8s.io/apimachinery v0.37.2, ported in
 * model/k8s-rules.ts): object names, label keys and values, annotation keys, selectors and port names. The model
 * checks what users type; this shows nothing the program derives from it breaks the rules either.
 */

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function nameRule(kind: string): (v: string) => string[] {
    // Namespaces are DNS-1123 labels, Services DNS-1035 labels (ValidateNamespaceName / ValidateServiceName in
    // k8s.io/kubernetes pkg/apis/core/validation); most other kinds, CRDs' objects included, DNS-1123 subdomains.
    return kind === "Namespace" ? dns1123Label : kind === "Service" ? dns1035Label : dns1123Subdomain;
}

/** Every rule violation in one manifest, as `path: value: reasons`. */
export function kubernetesNameProblems(m: Obj): string[] {
    const out: string[] = [];
    const add = (path: string, value: string, errors: string[]): void => {
        if (errors.length > 0) {
            out.push(`${path}: ${JSON.stringify(value)}: ${errors.join("; ")}`);
        }
    };
    const kind = String(m.kind);
    const meta = isObj(m.metadata) ? m.metadata : {};
    if (typeof meta.name === "string") {
        add("metadata.name", meta.name, nameRule(kind)(meta.name));
    }
    if (typeof meta.namespace === "string") {
        add("metadata.namespace", meta.namespace, dns1123Label(meta.namespace));
    }
    const labels = (path: string, map: unknown): void => {
        if (isObj(map)) {
            for (const [k, v] of Object.entries(map)) {
                add(`${path} key`, k, qualifiedName(k));
                if (typeof v === "string") {
                    add(`${path}.${k}`, v, labelValue(v));
                }
            }
        }
    };
    const walk = (v: unknown, path: string, key: string): void => {
        if (Array.isArray(v)) {
            v.forEach((x, i) => {
                if (key === "ports" && isObj(x) && typeof x.name === "string") {
                    add(`${path}[${i}].name`, x.name, portName(x.name));
                }
                walk(x, `${path}[${i}]`, "");
            });
            return;
        }
        if (!isObj(v)) {
            return;
        }
        for (const [k, child] of Object.entries(v)) {
            const p = `${path}.${k}`;
            if (k === "labels" || k === "matchLabels" || (k === "selector" && kind === "Service" && path === ".spec")) {
                labels(p, child);
            } else if (k === "annotations" && isObj(child)) {
                Object.keys(child).forEach((a) => add(`${p} key`, a, qualifiedName(a.toLowerCase())));
            } else if (k === "matchExpressions" && Array.isArray(child)) {
                child.forEach((e, i) => isObj(e) && typeof e.key === "string" && add(`${p}[${i}].key`, e.key, qualifiedName(e.key)));
            }
            walk(child, p, k);
        }
    };
    walk(m, "", "");
    return out;
}

describe("Kubernetes' own name rules over every declared object", () => {
    it("finds a broken label, annotation key, selector, port name and Service name (the check can fail)", () => {
        const broken = {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "Portal_Svc", namespace: "data-platform", labels: { "app.kubernetes.io/name": "portal services" }, annotations: { "a/b/c": "x" } },
            spec: { selector: { app: "-portal" }, ports: [{ name: "http--metrics", port: 80 }] },
        };
        const problems = kubernetesNameProblems(broken);
        expect(problems).toEqual([
            expect.stringContaining('metadata.name: "Portal_Svc"'),
            expect.stringContaining('.metadata.labels.app.kubernetes.io/name: "portal services"'),
            expect.stringContaining('.metadata.annotations key: "a/b/c"'),
            expect.stringContaining('.spec.selector.app: "-portal"'),
            expect.stringContaining('.spec.ports[0].name: "http--metrics": must not contain consecutive hyphens'),
        ]);
    });

    it.each(["dev", "prod"])("%s: every object's names, labels, annotations, selectors and port names are valid", async (stack) => {
        const { resources } = await evaluateStack(stack);
        const objects = resources.filter(isKubernetesObject).filter((r) => typeof r.inputs.kind === "string");
        expect(objects.length).toBeGreaterThan(50);
        const problems = objects.flatMap((r) => kubernetesNameProblems(r.inputs).map((p) => `${String(r.inputs.kind)} ${r.name} ${p}`));
        expect(problems).toEqual([]);
    });
});
