import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { Unreachable, joinUrl, redactUrl, request } from "../../verify/http";
import { startServer } from "./support";

describe("verify HTTP client", () => {
    it("sends URL user-info as basic auth and never prints it", async () => {
        const s = await startServer(() => ({ body: {} }));
        try {
            await request(`${s.url.replace("http://", "http://grafana:pa%40ss@")}/api/health`);
            expect(s.requests[0].headers.authorization).toBe(`Basic ${Buffer.from("grafana:pa@ss").toString("base64")}`);
        } finally {
            await s.close();
        }
        expect(redactUrl("https://u:p@prom.example:9090/x")).toBe("https://prom.example:9090/x");
        expect(redactUrl("http://127.0.0.1:8001")).toBe("http://127.0.0.1:8001");
        expect(joinUrl("http://h/prefix/", "/api/v1/query?x=1")).toBe("http://h/prefix/api/v1/query?x=1");
    });

    it("turns a server that never answers into Unreachable after the timeout", async () => {
        const silent = http.createServer(() => undefined);
        await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
        const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/status`;
        try {
            const err = await request(url, { timeoutMs: 200 }).catch((e: unknown) => e);
            expect(err).toBeInstanceOf(Unreachable);
            expect((err as Unreachable).reason).toBe("no answer within 200 ms");
        } finally {
            silent.closeAllConnections();
            await new Promise<void>((r) => silent.close(() => r()));
        }
    });

    it("refuses schemes other than http and https", async () => {
        await expect(request("ftp://127.0.0.1/x")).rejects.toThrow(/unsupported scheme ftp:/);
    });
});

describe("in-cluster endpoint URLs", () => {
    it("recognises Service DNS names and keeps port, scheme and path", async () => {
        const { inClusterService } = await import("../../verify/endpoint");
        expect(inClusterService("http://kong-status.kong.svc.cluster.local:8100/status")).toEqual({ service: "kong-status", namespace: "kong", port: 8100, https: false, pathAndQuery: "/status" });
        expect(inClusterService("https://prometheus.monitoring.svc/api/v1/query?query=up")).toEqual({ service: "prometheus", namespace: "monitoring", port: 443, https: true, pathAndQuery: "/api/v1/query?query=up" });
        expect(inClusterService("http://127.0.0.1:8001")).toBeUndefined();
        expect(inClusterService("https://grafana.254carbon.com")).toBeUndefined();
    });
});
