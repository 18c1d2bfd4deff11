import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
    AnalyzeRequest,
    AnalyzeResponse,
    AnalyzerInfo,
    AnalyzerResource,
    AnalyzerResourceOptions,
    AnalyzeStackRequest,
    ConfigureAnalyzerRequest,
    EnforcementLevel,
    PolicyConfig,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policies } from "../rules";
import { packConfig } from "./support/plan";
import { UNKNOWN, urnOf } from "./support/policy";

/**
 * The pack as the Pulumi CLI runs it, without the CLI: `index.ts` started through @pulumi/pulumi's policy-pack
 * runner (TypeScript compiled by its ts-node, as `pulumi preview --policy-pack policy` does), then driven over the
 * analyzer gRPC protocol the engine speaks: GetAnalyzerInfo, Configure (policy/prod.json), Analyze, AnalyzeStack.
 * Listens on 127.0.0.1 only; the process is stopped by its pid.
 */

const POLICY_DIR = path.resolve(__dirname, "..");
const RUNNER = path.join(POLICY_DIR, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");

let pack: ChildProcess | undefined;
let client: AnalyzerClient;

function unary<Res>(invoke: (cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown): Promise<Res> {
    return new Promise((resolve, reject) => {
        invoke((err, res) => (err ? reject(err) : resolve(res)));
    });
}
const rpc = {
    info: (): Promise<AnalyzerInfo> => unary((cb) => client.getAnalyzerInfo(new Empty(), cb)),
    configure: (req: ConfigureAnalyzerRequest): Promise<Empty> => unary((cb) => client.configure(req, cb)),
    analyze: (req: AnalyzeRequest): Promise<AnalyzeResponse> => unary((cb) => client.analyze(req, cb)),
    analyzeStack: (req: AnalyzeStackRequest): Promise<AnalyzeResponse> => unary((cb) => client.analyzeStack(req, cb)),
};

function options(protect = false): AnalyzerResourceOptions {
    return new AnalyzerResourceOptions().setProtect(protect);
}

function analyzeRequest(type: string, name: string, props: Record<string, unknown>): AnalyzeRequest {
    return new AnalyzeRequest().setType(type).setName(name).setUrn(urnOf("prod", type, name)).setProperties(Struct.fromJavaScript(props as never)).setOptions(options());
}

function diagnostics(res: AnalyzeResponse): { policy: string; level: EnforcementLevel; message: string }[] {
    return res.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() }));
}

beforeAll(async () => {
    const child = spawn(process.execPath, [RUNNER, "127.0.0.1:0", "."], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
    pack = child;
    const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        let err = "";
        child.stdout?.on("data", (d: Buffer) => {
            out += d.toString();
            const m = /^(\d+)\s*$/m.exec(out);
            if (m) {
                resolve(Number(m[1]));
            }
        });
        child.stderr?.on("data", (d: Buffer) => {
            err += d.toString();
        });
        child.on("exit", (code) => reject(new Error(`policy pack exited with ${code} before serving:\n${out}\n${err}`)));
    });
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    // The engine configures the pack with --policy-pack-config before analyzing.
    const configure = new ConfigureAnalyzerRequest();
    for (const [name, props] of Object.entries(packConfig("prod"))) {
        configure.getPolicyconfigMap().set(name, new PolicyConfig().setEnforcementlevel(EnforcementLevel.MANDATORY).setProperties(Struct.fromJavaScript(props as never)));
    }
    await rpc.configure(configure);
});

afterAll(() => {
    client?.close();
    if (pack?.pid !== undefined && pack.exitCode === null) {
        process.kill(pack.pid, "SIGTERM");
    }
});

describe("the policy pack served as the Pulumi CLI runs it", () => {
    it("announces 254carbon-guardrails with every policy, mandatory", async () => {
        const info = await rpc.info();
        expect(info.getName()).toBe("254carbon-guardrails");
        expect(info.getVersion()).toBe("0.1.0");
        expect(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()])).toEqual(policies.map((p) => [p.name, EnforcementLevel.MANDATORY]));
    });

    it("reports an allow-all AuthorizationPolicy and a PERMISSIVE PeerAuthentication as mandatory violations, passes STRICT", async () => {
        const ap = await rpc.analyze(analyzeRequest("kubernetes:security.istio.io/v1:AuthorizationPolicy", "open", { metadata: { name: "open", namespace: "kong" }, spec: { action: "ALLOW", rules: [{}] } }));
        expect(diagnostics(ap)).toEqual([{ policy: "no-allow-all-authorization", level: EnforcementLevel.MANDATORY, message: expect.stringContaining("ALLOW rule spec.rules[0] is empty") }]);

        const pa = (mode: string): AnalyzeRequest => analyzeRequest("kubernetes:security.istio.io/v1:PeerAuthentication", "default", { metadata: { name: "default", namespace: "kong" }, spec: { mtls: { mode } } });
        expect(diagnostics(await rpc.analyze(pa("PERMISSIVE")))).toEqual([{ policy: "prod-mtls-strict", level: EnforcementLevel.MANDATORY, message: expect.stringContaining("production requires STRICT") }]);
        expect(diagnostics(await rpc.analyze(pa("STRICT")))).toEqual([]);
    });

    it("downgrades to advisory when a deciding value is unknown during preview (the framework's behaviour)", async () => {
        const res = await rpc.analyze(analyzeRequest("kubernetes:security.istio.io/v1:PeerAuthentication", "default", { metadata: { name: "default", namespace: "kong" }, spec: { mtls: { mode: UNKNOWN.string } } }));
        expect(diagnostics(res)).toEqual([{ policy: "prod-mtls-strict", level: EnforcementLevel.ADVISORY, message: expect.stringContaining("can't run policy 'prod-mtls-strict'") }]);
    });

    it("sees protect on a Kafka topic through the resource options", async () => {
        const topic = { name: "data-ingestion", partitions: 12, replicationFactor: 3, config: { "min.insync.replicas": "2" } };
        const unprotected = analyzeRequest("kafka:index/topic:Topic", "events-data-ingestion", topic);
        expect(diagnostics(await rpc.analyze(unprotected)).map((d) => d.message)).toEqual([expect.stringContaining("not protected")]);
        const isProtected = analyzeRequest("kafka:index/topic:Topic", "events-data-ingestion", topic).setOptions(options(true));
        expect(diagnostics(await rpc.analyze(isProtected))).toEqual([]);
    });

    it("checks stack outputs and the mesh-wide policy in AnalyzeStack", async () => {
        const resource = (type: string, name: string, props: Record<string, unknown>): AnalyzerResource =>
            new AnalyzerResource().setType(type).setName(name).setUrn(urnOf("prod", type, name)).setProperties(Struct.fromJavaScript(props as never)).setOptions(options());
        const req = new AnalyzeStackRequest().setResourcesList([
            resource("pulumi:pulumi:Stack", "service-integration-prod", { events: { saslPassword: "changeme" } }),
            resource("kubernetes:security.istio.io/v1:PeerAuthentication", "default", { metadata: { name: "default", namespace: "kong" }, spec: { mtls: { mode: "STRICT" } } }),
        ]);
        const res = await rpc.analyzeStack(req);
        expect(diagnostics(res).map((d) => d.policy).sort()).toEqual(["no-secrets-in-stack-outputs", "prod-mesh-wide-mtls-strict"]);
        expect(diagnostics(res).map((d) => d.message).join("\n")).not.toContain("changeme");
    });
});
