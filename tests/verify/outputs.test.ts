import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadStackOutputs, parseDashboardUrl, parseOutputs } from "../../verify/outputs";
import { meshOutputs } from "./support";

describe("stack outputs reader", () => {
    it("reads every section, deriving dashboard uids and Grafana's base URL from dashboardUrls", () => {
        const o = parseOutputs({
            mesh: meshOutputs("STRICT"),
            namespaces: ["istio-system", "data-platform", "kong", "monitoring"],
            gateway: { jwtRequired: true, adminUrl: "http://127.0.0.1:8001" },
            events: { bootstrapServers: ["kafka:9093"], tlsEnabled: true, topicPrefix: "", topicNames: { "data-ingestion": "data-ingestion" } },
            observability: { dashboardUrls: { "Service Mesh Overview": "https://grafana.254carbon.com/d/si-prod-mesh" }, folderUid: "si-prod" },
        });
        expect(o.problems).toEqual({});
        expect(o.mesh?.namespaceMtls.kong).toBe("STRICT");
        expect(o.gateway).toMatchObject({ namespace: "kong", proxyServiceName: "kong-proxy", adminUrl: "http://127.0.0.1:8001", jwtRequired: true });
        expect(o.events?.topicPrefix).toBe("");
        expect(o.observability).toEqual({ grafanaUrl: "https://grafana.254carbon.com", folderUid: "si-prod", prometheusUrl: undefined, dashboards: [{ title: "Service Mesh Overview", uid: "si-prod-mesh" }] });
    });

    it("reads the shapes platform.ts exports (gateway routes as a map, observability.dashboards)", () => {
        const o = parseOutputs({
            gateway: {
                namespace: "kong",
                proxyUrl: "http://kong-proxy.kong.svc.cluster.local:80",
                jwtRequired: false,
                routes: { "portal-services.portal-api": ["/api/portal"] },
                jwtSecrets: "[secret]",
            },
            observability: { dashboards: { "Service Mesh Overview": "https://grafana.254carbon.com/d/si-dev-mesh" } },
        });
        expect(o.problems).toEqual({});
        expect(o.gateway?.routes).toEqual([{ name: "portal-services.portal-api", paths: ["/api/portal"], methods: [], hosts: [] }]);
        // No Admin API URL unless the stack sets a direct one: verify then port-forwards, as the provider does.
        expect(o.gateway?.adminUrl).toBeUndefined();
        expect(o.observability?.dashboards).toEqual([{ title: "Service Mesh Overview", uid: "si-dev-mesh" }]);
        expect(parseOutputs({ gateway: { routes: { a: "x" } } }).problems.gateway).toEqual(['gateway.routes must be a mapping of names to lists of strings (found {"a":"x"})']);
    });

    it("treats absent and null sections as not deployed", () => {
        const o = parseOutputs({ mesh: null, namespaces: ["data-platform"] });
        expect(o.mesh).toBeUndefined();
        expect(o.gateway).toBeUndefined();
        expect(o.problems).toEqual({});
    });

    it("records unreadable sections (a [secret] placeholder, wrong types) without losing the others", () => {
        const o = parseOutputs({
            mesh: meshOutputs(),
            events: { bootstrapServers: "[secret]", topics: { "data-ingestion": { name: "data-ingestion" } } },
            gateway: "kong",
        });
        expect(o.mesh?.revision).toBe("1-28-3");
        expect(o.problems.events).toEqual([
            "events.bootstrapServers must be a list of strings (found a secret ([secret]))",
            "events.topics.data-ingestion.partitions is required (a positive integer) (found nothing)",
        ]);
        expect(o.problems.gateway).toEqual(['gateway must be an object (found "kong")']);
        expect(() => parseOutputs([1, 2])).toThrow(/must be a JSON object/);
    });

    it("parses Grafana dashboard URLs with and without slug", () => {
        expect(parseDashboardUrl("https://g.example/grafana/d/abc-1/service-mesh?orgId=1")).toEqual({ base: "https://g.example/grafana", uid: "abc-1" });
        expect(parseDashboardUrl("https://g.example/dashboards")).toBeUndefined();
    });

    it("asks the pulumi CLI for the outputs without secrets, and reports its failures", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-pulumi-"));
        try {
            const fake = path.join(dir, "pulumi");
            fs.writeFileSync(
                fake,
                `#!/bin/sh\necho "$@" > "${dir}/args"\nif [ "$6" = "broken" ]; then echo "error: no stack named 'broken' found" >&2; exit 255; fi\necho '{"mesh": null, "namespaces": ["data-platform"]}'\n`,
                { mode: 0o755 },
            );
            const o = await loadStackOutputs("dev", { bin: fake, cwd: dir });
            expect(o.namespaces).toEqual(["data-platform"]);
            expect(fs.readFileSync(path.join(dir, "args"), "utf8").trim()).toBe("stack output --json --show-secrets=false --stack dev --non-interactive");
            await expect(loadStackOutputs("broken", { bin: fake, cwd: dir })).rejects.toThrow(/no stack named 'broken' found/);
            await expect(loadStackOutputs("dev", { bin: path.join(dir, "missing-pulumi"), cwd: dir })).rejects.toThrow(/not installed or not on PATH/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
