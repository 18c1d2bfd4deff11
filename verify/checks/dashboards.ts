import { Check, VerifyContext } from "../context";
import { getEndpoint } from "../endpoint";
import { excerpt, joinUrl, jsonBody, redactUrl } from "../http";
import { CannotRun, Outcome, fail, pass, skip } from "../result";

/**
 * Each dashboard the stack exports exists in Grafana. `GET /api/dashboards/uid/<uid>` with a service-account token
 * (`Authorization: Bearer <token>`) answers 200 `{"dashboard": {"uid", "title", ...}, "meta": {"url", "folderUid",
 * ...}}`, 404 `{"message": "Dashboard not found"}`, 401/403 for a bad or under-privileged token
 * (https://grafana.com/docs/grafana/latest/developers/http_api/dashboard/#get-dashboard-by-uid).
 * The title must match what the stack declared, and the folder too when the stack exports `folderUid`.
 */
export const dashboardsCheck: Check = {
    id: "dashboards",
    title: "Grafana dashboards exist",
    async run(ctx: VerifyContext): Promise<Outcome> {
        const obs = ctx.section("observability");
        if (obs === undefined) {
            return skip("the stack exports no `observability` output (the observability component is off)");
        }
        if (obs.dashboards.length === 0) {
            return skip("the stack exports no dashboard");
        }
        const base = ctx.endpoints.grafanaUrl ?? obs.grafanaUrl;
        if (base === undefined) {
            throw new CannotRun("no Grafana URL: neither --grafana-url / GRAFANA_URL nor observability.grafanaUrl / dashboardUrls", "pass --grafana-url <Grafana base URL>");
        }
        const token = ctx.endpoints.grafanaToken;
        if (token === undefined) {
            throw new CannotRun("no Grafana token: GRAFANA_TOKEN is not set", "set GRAFANA_TOKEN to a Grafana service-account token with the Viewer role (dashboards:read)");
        }
        const problems: string[] = [];
        const found: string[] = [];
        for (const d of obs.dashboards) {
            const url = joinUrl(base, `/api/dashboards/uid/${encodeURIComponent(d.uid)}`);
            const { res } = await getEndpoint(ctx, url, {
                headers: { authorization: `Bearer ${token}` },
                what: "Grafana",
                action: "check --grafana-url and network access (or port-forward Grafana and pass its local URL)",
            });
            if (res.status === 401 || res.status === 403) {
                throw new CannotRun(`Grafana refused the token (${res.status} on ${redactUrl(url)}: ${excerpt(res.body, 120)})`, "set GRAFANA_TOKEN to a valid service-account token that can read dashboards");
            }
            if (res.status === 404) {
                problems.push(`"${d.title}" (uid ${d.uid}): not found`);
                continue;
            }
            const body = jsonBody(res) as { dashboard?: { uid?: unknown; title?: unknown }; meta?: { folderUid?: unknown; url?: unknown } } | undefined;
            if (res.status !== 200 || typeof body?.dashboard?.title !== "string") {
                throw new CannotRun(`Grafana answered ${redactUrl(url)} with ${res.status}: ${excerpt(res.body, 160)}`, "check that --grafana-url is Grafana's base URL");
            }
            if (body.dashboard.title !== d.title) {
                problems.push(`"${d.title}" (uid ${d.uid}): titled "${body.dashboard.title}" in Grafana`);
                continue;
            }
            if (obs.folderUid !== undefined && body.meta?.folderUid !== obs.folderUid) {
                problems.push(`"${d.title}" (uid ${d.uid}): in folder ${String(body.meta?.folderUid ?? "General")}, expected ${obs.folderUid}`);
                continue;
            }
            found.push(`"${d.title}" (${d.uid})`);
        }
        if (problems.length > 0) {
            return fail(
                `${problems.length} of ${obs.dashboards.length} dashboard(s) are missing or differ in Grafana at ${redactUrl(base)}`,
                "run `pulumi up` for this stack (the program owns these uids and overwrites hand-made copies); if someone edited or moved them in the UI, their change is lost on the next update",
                [...problems, ...found],
            );
        }
        return pass(`all ${obs.dashboards.length} dashboard(s) exist in Grafana at ${redactUrl(base)}`, found);
    },
};
