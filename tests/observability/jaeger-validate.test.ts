import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { describe, expect, it } from "vitest";
import { jaeger } from "../../components/mesh/controlplane";
import { PASSWORD_ENV, jaegerConfig } from "../../components/mesh/jaeger-storage";
import { listStacks } from "../../offline/stack-config";
import { toolPath } from "../../validation/tools";
import { evaluateStack } from "../support/stack";
import { requireTool } from "../validation/tools-support";
import { DEV_CONFIG, parseModel } from "./fixtures";
import { tempDir } from "./promtool-support";

/**
 * The Jaeger v2 configuration the chart receives (`userconfig`), checked by Jaeger's own binary: `jaeger validate
 * --config <file>` (the OpenTelemetry collector's validate subcommand) decodes every receiver, processor, exporter and
 * extension config, including jaeger_storage's backends, and runs their Validate(), without starting anything.
 * Built by scripts/tools/install-go-tools.sh jaeger (Jaeger 2.13.0, the newest the module proxy serves).
 */

const hasJaeger = requireTool("jaeger");

function validate(config: unknown): { status: number | null; output: string } {
    const dir = tempDir("jaeger-validate-");
    const file = path.join(dir, "config.yaml");
    fs.writeFileSync(file, YAML.stringify(config, { lineWidth: 0 }));
    const run = spawnSync(toolPath("jaeger")!, ["validate", "--config", file], { encoding: "utf8", timeout: 60_000, env: { ...process.env, [PASSWORD_ENV]: "not-a-real-password" } });
    if (run.error) {
        throw run.error;
    }
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const BACKENDS: Record<string, unknown> = {
    badger: undefined,
    elasticsearch: { backend: "elasticsearch", elasticsearch: { urls: ["https://es.logging.svc:9200"], username: "jaeger", passwordSecret: { name: "jaeger-es", key: "password" } } },
    opensearch: { backend: "opensearch", opensearch: { urls: ["https://opensearch.logging.svc:9200"] } },
    cassandra: { backend: "cassandra", cassandra: { servers: ["cassandra.tracing.svc:9042"], keyspace: "jaeger_v1", datacenter: "dc1", username: "jaeger", passwordSecret: { name: "jaeger-cassandra", key: "password" } } },
};

describe.skipIf(!hasJaeger)("jaeger validate", () => {
    it.each(Object.keys(BACKENDS))("accepts the %s configuration", (backend) => {
        const run = validate(jaegerConfig(parseModel({ ...DEV_CONFIG, traces: BACKENDS[backend] }).traces));
        expect(run.status, run.output).toBe(0);
    });

    it.each(listStacks())("accepts the Jaeger configuration the %s stack declares", async (stack) => {
        const { resources } = await evaluateStack(stack);
        const rel = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "jaeger");
        if (rel === undefined) {
            // A stack may switch the Jaeger add-on off (local); dev and prod run it.
            expect(["dev", "prod"]).not.toContain(stack);
            return;
        }
        const run = validate((rel.inputs.values as { userconfig: unknown }).userconfig);
        expect(run.status, run.output).toBe(0);
    }, 60_000);

    it("rejects a misspelt storage key and names it", () => {
        const config = jaegerConfig(parseModel(DEV_CONFIG).traces) as { extensions: { jaeger_storage: { backends: { primary: { badger: Record<string, unknown> } } } } };
        const badger = config.extensions.jaeger_storage.backends.primary.badger;
        badger.tll = badger.ttl;
        delete badger.ttl;
        const run = validate(config);
        expect(run.status).not.toBe(0);
        expect(run.output).toContain("tll");
    });

    it("rejects a pipeline that names a storage the extension does not define", () => {
        const config = JSON.parse(JSON.stringify(jaeger().values.userconfig)) as { exporters: { jaeger_storage_exporter: { trace_storage: string } } };
        config.exporters.jaeger_storage_exporter.trace_storage = "";
        const run = validate(config);
        expect(run.status).not.toBe(0);
    });
});
