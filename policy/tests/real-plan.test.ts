import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { policies } from "../rules";
import { AUTHORIZATION_POLICY_TYPES } from "../rules/authorization";
import { POD_SPEC_PATHS } from "../rules/containers";
import { TOPIC_TYPE } from "../rules/kafka";
import { PEER_AUTHENTICATION_TYPES } from "../rules/mtls";
import { HELM_RELEASE, LoadedPlan, loadPlan, packConfig, planExists, policyConfig, STACK } from "./support/plan";
import { clone, isStackPolicy, ResourceInput, runResourcePolicy, runStackPolicy } from "./support/policy";

/**
 * The real program's declared state (the offline plan, `npm run plan -- <stack>` in the repository root) through
 * every policy with the shipped config files: the real objects pass, deliberately broken copies of them fail with
 * the expected message. Cases for kinds the plan does not declare yet (workloads, Kafka topics arrive when
 * platform.ts wires the gateway and events components) are skipped, by name, until it does.
 */

const resourcePolicies = policies.filter((p): p is ResourceValidationPolicy => !isStackPolicy(p));
const stackPolicies = policies.filter(isStackPolicy) as StackValidationPolicy[];

interface Finding {
    readonly policy: string;
    readonly message: string;
}

/** Whether a finding is only the plan's gap: it does not record `protect` for the resource, so "not protected" is unknowable. */
function protectUnrecorded(finding: Finding, resources: readonly ResourceInput[]): boolean {
    return (
        finding.policy === "prod-kafka-topic-durability" &&
        finding.message.includes(": not protected;") &&
        resources.some((r) => r.type === TOPIC_TYPE && r.protect === undefined && finding.message.startsWith(`Kafka topic ${String(r.props.name ?? r.name)}:`))
    );
}

/**
 * Every policy over every resource of a (possibly modified) resource list, with the environment's pack config.
 * "Not protected" findings on topics whose protect option the plan does not record are left out: they say nothing
 * about the program (see "real topics carry protect").
 */
async function analyze(resources: readonly ResourceInput[], env: "prod" | "dev"): Promise<{ findings: Finding[]; notApplicable: Set<string> }> {
    const config = packConfig(env);
    const findings: Finding[] = [];
    const notApplicable = new Set<string>();
    for (const policy of resourcePolicies) {
        for (const r of resources) {
            const out = await runResourcePolicy(policy, r, { config: policyConfig(config, policy.name) });
            findings.push(...out.violations.map((message) => ({ policy: policy.name, message })));
            if (out.notApplicable !== undefined) {
                notApplicable.add(policy.name);
            }
        }
    }
    for (const policy of stackPolicies) {
        const out = await runStackPolicy(policy, resources, { config: policyConfig(config, policy.name) });
        findings.push(...out.violations.map((message) => ({ policy: policy.name, message })));
        if (out.notApplicable !== undefined) {
            notApplicable.add(policy.name);
        }
    }
    return { findings: findings.filter((f) => !protectUnrecorded(f, resources)), notApplicable };
}

function byType(plan: LoadedPlan, types: readonly string[]): ResourceInput[] {
    return plan.resources.filter((r) => types.includes(r.type));
}

function named(list: readonly ResourceInput[], namespace: string, name: string): ResourceInput {
    const found = list.find((r) => {
        const m = r.props.metadata as { name?: string; namespace?: string } | undefined;
        return m?.name === name && m.namespace === namespace;
    });
    if (found === undefined) {
        throw new Error(`the plan declares no ${namespace}/${name}`);
    }
    return found;
}

/** The plan's resources with one of them replaced. */
function replacing(plan: LoadedPlan, original: ResourceInput, replacement: ResourceInput): ResourceInput[] {
    return plan.resources.map((r) => (r === original ? replacement : r));
}

function withProps(r: ResourceInput, edit: (props: Record<string, unknown>) => void): ResourceInput {
    const props = clone(r.props);
    edit(props);
    return { ...r, props };
}

const prod = loadPlan("prod");
const workloads = byType(prod, Object.keys(POD_SPEC_PATHS));
const topics = byType(prod, [TOPIC_TYPE]);

describe("the real prod plan (out/plan/prod) under policy/prod.json", () => {
    it("declares the mesh security objects the policies are about", () => {
        expect(byType(prod, PEER_AUTHENTICATION_TYPES).length).toBeGreaterThanOrEqual(2);
        expect(byType(prod, AUTHORIZATION_POLICY_TYPES).length).toBeGreaterThanOrEqual(2);
        expect(byType(prod, [HELM_RELEASE]).length).toBeGreaterThanOrEqual(1);
        expect(prod.resources.some((r) => r.type === STACK)).toBe(true);
    });

    it("passes every policy, and every policy applies (nothing skipped as not applicable)", async () => {
        const { findings, notApplicable } = await analyze(prod.resources, "prod");
        expect(findings).toEqual([]);
        expect([...notApplicable]).toEqual([]);
    });

    it("fails no-allow-all-authorization, and only that, when a real ALLOW policy is turned into rules: [{}]", async () => {
        const real = byType(prod, AUTHORIZATION_POLICY_TYPES).find((r) => (r.props.spec as { action?: string } | undefined)?.action === "ALLOW");
        expect(real).toBeDefined();
        const broken = withProps(real as ResourceInput, (p) => {
            (p.spec as Record<string, unknown>).rules = [{}];
        });
        const { findings } = await analyze(replacing(prod, real as ResourceInput, broken), "prod");
        expect(findings).toEqual([{ policy: "no-allow-all-authorization", message: expect.stringContaining("ALLOW rule spec.rules[0] is empty ({} matches every request), so it allows every caller") }]);
    });

    it("fails no-allow-all-authorization when a real caller rule loses its from (no port narrowing left)", async () => {
        // Any real ALLOW policy whose first rule names its sources (the mesh's caller and scrape rules all do).
        const real = byType(prod, AUTHORIZATION_POLICY_TYPES).find((r) => {
            const spec = r.props.spec as { action?: string; rules?: { from?: unknown[] }[] } | undefined;
            return (spec?.action ?? "ALLOW") === "ALLOW" && (spec?.rules?.[0]?.from?.length ?? 0) > 0;
        });
        expect(real, "the prod plan declares an ALLOW policy with a from rule").toBeDefined();
        const id = `${(real!.props.metadata as { namespace: string }).namespace}/${(real!.props.metadata as { name: string }).name}`;
        const broken = withProps(real as ResourceInput, (p) => {
            const rule = ((p.spec as { rules: Record<string, unknown>[] }).rules)[0];
            delete rule.from;
            rule.to = [{ operation: { methods: ["GET"] } }];
        });
        const out = await runResourcePolicy(resourcePolicies.find((p) => p.name === "no-allow-all-authorization") as ResourceValidationPolicy, broken);
        expect(out.violations).toEqual([expect.stringContaining(`AuthorizationPolicy ${id}: ALLOW rule spec.rules[0] names no source in from`)]);
    });

    it("fails prod-mtls-strict and prod-mesh-wide-mtls-strict when the real mesh-wide PeerAuthentication is PERMISSIVE", async () => {
        const real = named(byType(prod, PEER_AUTHENTICATION_TYPES), "istio-system", "default");
        const broken = withProps(real, (p) => {
            (p.spec as { mtls: { mode: string } }).mtls.mode = "PERMISSIVE";
        });
        const { findings } = await analyze(replacing(prod, real, broken), "prod");
        expect(findings).toEqual([
            { policy: "prod-mtls-strict", message: expect.stringContaining("PeerAuthentication istio-system/default: spec.mtls.mode is PERMISSIVE; production requires STRICT") },
            { policy: "prod-mesh-wide-mtls-strict", message: expect.stringContaining("PeerAuthentication istio-system/default is the mesh-wide policy but its mtls.mode is PERMISSIVE") },
        ]);
    });

    it("fails prod-mtls-strict when a real namespace policy is PERMISSIVE or takes over a workload's plaintext ports", async () => {
        const policy = resourcePolicies.find((p) => p.name === "prod-mtls-strict") as ResourceValidationPolicy;
        const config = { config: policyConfig(packConfig("prod"), policy.name) };
        const pas = byType(prod, PEER_AUTHENTICATION_TYPES);
        const kong = named(pas, "kong", "default");
        const permissive = withProps(kong, (p) => {
            (p.spec as { mtls: { mode: string } }).mtls.mode = "PERMISSIVE";
        });
        expect((await runResourcePolicy(policy, permissive, config)).violations).toEqual([expect.stringContaining("PeerAuthentication kong/default: spec.mtls.mode is PERMISSIVE")]);

        const plaintext = pas.find((r) => (r.props.spec as { portLevelMtls?: unknown } | undefined)?.portLevelMtls !== undefined);
        expect(plaintext, "the prod plan declares a workload policy with plaintext ports").toBeDefined();
        const noSelector = withProps(plaintext as ResourceInput, (p) => {
            delete (p.spec as Record<string, unknown>).selector;
        });
        expect((await runResourcePolicy(policy, noSelector, config)).violations[0]).toContain("PERMISSIVE in a policy without a workload selector");
    });

    it("fails no-secrets-in-helm-values when a password is added to a real release's values", async () => {
        const real = byType(prod, [HELM_RELEASE])[0];
        const broken = withProps(real, (p) => {
            p.values = { ...(p.values as Record<string, unknown>), auth: { strategy: "login", adminPassword: "changeme" } };
        });
        const { findings } = await analyze(replacing(prod, real, broken), "prod");
        expect(findings).toEqual([{ policy: "no-secrets-in-helm-values", message: expect.stringContaining(`Helm release ${real.name}: values.auth.adminPassword is a credential-named key with a literal value`) }]);
    });

    it("fails no-secrets-in-stack-outputs when a credential is added to the real outputs", async () => {
        const real = prod.resources.find((r) => r.type === STACK) as ResourceInput;
        const broken = withProps(real, (p) => {
            p.kafka = { bootstrapServers: ["kafka:9093"], saslPassword: "changeme" };
        });
        const { findings } = await analyze(replacing(prod, real, broken), "prod");
        expect(findings).toEqual([{ policy: "no-secrets-in-stack-outputs", message: expect.stringContaining("stack output kafka.saslPassword is a credential-named key with a literal value") }]);
    });

    it.skipIf(workloads.length === 0)("fails container-baseline when a real workload's container loses its limits (needs workloads in the plan)", async () => {
        const real = workloads[0];
        const path = POD_SPEC_PATHS[real.type];
        const broken = withProps(real, (p) => {
            let spec: unknown = p;
            for (const key of path) {
                spec = (spec as Record<string, unknown>)[key];
            }
            const container = (spec as { containers: { resources?: Record<string, unknown> }[] }).containers[0];
            delete container.resources?.limits;
        });
        const { findings } = await analyze(replacing(prod, real, broken), "prod");
        expect(findings).toEqual([{ policy: "container-baseline", message: expect.stringContaining("has no resources.limits.cpu, resources.limits.memory") }]);
    });

    it("declares no Service named kong-admin: the Admin API listens on Kong's loopback only", () => {
        const services = prod.resources.filter((r) => r.type === "kubernetes:core/v1:Service").map((r) => (r.props.metadata as { name?: string } | undefined)?.name);
        expect(services).toContain("kong-proxy");
        expect(services).not.toContain("kong-admin");
    });

    it("fails kong-admin-no-service when the real kong-proxy Service also maps the Admin port 8001", async () => {
        const real = prod.resources.find((r) => r.type === "kubernetes:core/v1:Service" && (r.props.metadata as { name?: string } | undefined)?.name === "kong-proxy");
        expect(real, "the prod plan declares kong-proxy").toBeDefined();
        const broken = withProps(real as ResourceInput, (p) => {
            (p.spec as { ports: unknown[] }).ports.push({ name: "admin", port: 8001, targetPort: "admin", protocol: "TCP" });
        });
        const { findings } = await analyze(replacing(prod, real as ResourceInput, broken), "prod");
        expect(findings).toEqual([{ policy: "kong-admin-no-service", message: expect.stringMatching(/^Service kong\/kong-proxy: spec\.ports\[\d+\]\.port 8001, spec\.ports\[\d+\]\.targetPort admin targets the Kong Admin API port/) }]);
    });

    it.skipIf(topics.length === 0)("fails prod-kafka-topic-durability when a real topic is dev-shaped (needs the events component in the plan)", async () => {
        const real = topics[0];
        const broken = withProps(real, (p) => {
            p.replicationFactor = 1;
            (p.config as Record<string, unknown>)["min.insync.replicas"] = "1";
        });
        const { findings } = await analyze(replacing(prod, real, { ...broken, protect: false }), "prod");
        const messages = findings.filter((f) => f.policy === "prod-kafka-topic-durability").map((f) => f.message);
        expect(messages).toEqual([expect.stringContaining("replicationFactor is 1"), expect.stringContaining("min.insync.replicas is 1"), expect.stringContaining("not protected")]);
    });

    it.skipIf(topics.length === 0 || topics.some((t) => t.protect === undefined))("real topics carry protect (needs topics in the plan, with their protect option recorded)", async () => {
        const { findings } = await analyze(topics, "prod");
        expect(findings).toEqual([]);
        expect(topics.every((t) => t.protect === true)).toBe(true);
    });
});

describe.skipIf(!planExists("dev"))("the real dev plan (out/plan/dev) under policy/dev.json", () => {
    it("passes every policy; the production-only policies declare themselves not applicable", async () => {
        const dev = loadPlan("dev");
        const { findings, notApplicable } = await analyze(dev.resources, "dev");
        expect(findings).toEqual([]);
        // The Kafka policy only gets to say so when the plan declares topics.
        const expected = ["prod-mesh-wide-mtls-strict", "prod-mtls-strict", ...(byType(dev, [TOPIC_TYPE]).length > 0 ? ["prod-kafka-topic-durability"] : [])];
        expect([...notApplicable].sort()).toEqual(expected.sort());
    });

    it("still fails no-allow-all-authorization in dev: that rule holds in every environment", async () => {
        const dev = loadPlan("dev");
        const real = byType(dev, AUTHORIZATION_POLICY_TYPES).find((r) => (r.props.spec as { action?: string } | undefined)?.action === "ALLOW") as ResourceInput;
        const broken = withProps(real, (p) => {
            (p.spec as Record<string, unknown>).rules = [{}];
        });
        const { findings } = await analyze(replacing(dev, real, broken), "dev");
        expect(findings.map((f) => f.policy)).toEqual(["no-allow-all-authorization"]);
    });
});
