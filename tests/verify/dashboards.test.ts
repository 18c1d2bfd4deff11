import { afterEach, describe, expect, it } from "vitest";
import { dashboardsCheck } from "../../verify/checks";
import { runCheck } from "../../verify/runner";
import { FakeServer, context, deadUrl, grafanaDashboard, startServer } from "./support";

const servers: FakeServer[] = [];
afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

const TITLES: Record<string, string> = {
    "si-dev-mesh": "Service Mesh Overview",
    "si-dev-gateway": "API Gateway (Kong)",
    "si-dev-events": "Event-Driven Architecture",
};

/** A Grafana that knows `present` (uid → [title, folderUid]) and checks the bearer token. */
async function grafana(present: Record<string, [string, string]>, token = "glsa_test"): Promise<FakeServer> {
    const s = await startServer((req) => {
        if (req.headers.authorization !== `Bearer ${token}`) {
            return { status: 401, body: { message: "invalid API key", traceID: "" } };
        }
        const m = /^\/api\/dashboards\/uid\/([^/?]+)$/.exec(req.url);
        if (m === null) return { status: 404, body: { message: "Not found" } };
        const hit = present[decodeURIComponent(m[1])];
        return hit === undefined ? { status: 404, body: { message: "Dashboard not found" } } : { body: grafanaDashboard(m[1], hit[0], hit[1]) };
    });
    servers.push(s);
    return s;
}

function observability(base: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    // What the Observability component exports today: title → <grafana>/d/<uid>.
    return { dashboardUrls: Object.fromEntries(Object.entries(TITLES).map(([uid, title]) => [title, `${base}/d/${uid}`])), folderUid: "si-dev", ...extra };
}

const ALL: Record<string, [string, string]> = Object.fromEntries(Object.entries(TITLES).map(([uid, title]) => [uid, [title, "si-dev"]]));

describe("dashboards check", () => {
    it("passes when every exported dashboard exists with its title and folder (base URL taken from dashboardUrls)", async () => {
        const g = await grafana(ALL);
        const r = await runCheck(dashboardsCheck, context({ observability: observability(g.url) }, { grafanaToken: "glsa_test" }));
        expect(r.status).toBe("PASS");
        expect(r.detail).toContain("all 3 dashboard(s) exist");
        expect(g.requests.map((q) => q.url).sort()).toEqual(["/api/dashboards/uid/si-dev-events", "/api/dashboards/uid/si-dev-gateway", "/api/dashboards/uid/si-dev-mesh"]);
    });

    it("fails on a missing dashboard, a retitled one and one in another folder", async () => {
        const g = await grafana({ "si-dev-mesh": ["Service Mesh Overview", "si-dev"], "si-dev-gateway": ["Kong (copy)", "si-dev"], "si-dev-events": ["Event-Driven Architecture", "general"] });
        const r = await runCheck(dashboardsCheck, context({ observability: observability(g.url) }, { grafanaToken: "glsa_test" }));
        expect(r.status).toBe("FAIL");
        expect(r.items).toEqual(
            expect.arrayContaining([
                '"API Gateway (Kong)" (uid si-dev-gateway): titled "Kong (copy)" in Grafana',
                '"Event-Driven Architecture" (uid si-dev-events): in folder general, expected si-dev',
            ]),
        );
        const missing = await runCheck(dashboardsCheck, context({ observability: observability(g.url, { dashboardUids: { "Per-service: portal": "si-dev-svc-portal" } }) }, { grafanaToken: "glsa_test" }));
        expect(missing.items).toContain('"Per-service: portal" (uid si-dev-svc-portal): not found');
    });

    it("reports ERROR without a token, with a refused token, and when Grafana is unreachable", async () => {
        const g = await grafana(ALL);
        const noToken = await runCheck(dashboardsCheck, context({ observability: observability(g.url) }));
        expect(noToken.status).toBe("ERROR");
        expect(noToken.detail).toContain("GRAFANA_TOKEN is not set");
        const badToken = await runCheck(dashboardsCheck, context({ observability: observability(g.url) }, { grafanaToken: "wrong" }));
        expect(badToken.status).toBe("ERROR");
        expect(badToken.detail).toContain("refused the token (401");
        const dead = await runCheck(dashboardsCheck, context({ observability: observability(await deadUrl()) }, { grafanaToken: "glsa_test" }));
        expect(dead.status).toBe("ERROR");
        expect(dead.detail).toContain("unreachable");
    });

    it("reports ERROR for an in-cluster Grafana URL: the API server's proxy would swallow the bearer token", async () => {
        const r = await runCheck(dashboardsCheck, context({ observability: observability("http://grafana.monitoring.svc.cluster.local:3000") }, { grafanaToken: "glsa_test", kubeApi: "http://127.0.0.1:1" }));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toContain("its bearer token cannot pass the API server's proxy");
    });

    it("prefers --grafana-url over the URL in the outputs", async () => {
        const g = await grafana(ALL);
        const r = await runCheck(dashboardsCheck, context({ observability: observability("https://grafana.254carbon.com") }, { grafanaToken: "glsa_test", grafanaUrl: g.url }));
        expect(r.status).toBe("PASS");
    });

    it("is not applicable without an observability output", async () => {
        expect((await runCheck(dashboardsCheck, context({ mesh: undefined }))).status).toBe("SKIP");
    });
});
