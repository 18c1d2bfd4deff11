/**
 * Grafana preflight: the URL answers, and the `grafanaAuth` credential is accepted. The credential is what
 * `@pulumiverse/grafana` 2.40.0 takes as `auth`: an API/service-account token (sent as `Authorization: Bearer`) or
 * `user:password` (Basic). `GET /api/folders?limit=1` needs an authenticated caller (Grafana HTTP API, folder
 * API): 200 accepted, 401 not accepted, 403 accepted but without folder read.
 */
import { request, Unreachable } from "../verify/http";
import { PreflightProblem } from "./problem";
import { isInClusterName, RUNNER_HINT } from "./incluster";

export interface GrafanaEndpoint {
    /** Base URL, no credentials (the model refuses user-info in it). */
    readonly url: string;
    readonly auth: string;
    readonly ca?: string;
    readonly timeoutMs?: number;
}

const KEY = "service-integration:observability.grafana.url";

export function authorizationHeader(auth: string): string {
    return auth.includes(":") ? `Basic ${Buffer.from(auth).toString("base64")}` : `Bearer ${auth}`;
}

export async function grafanaPreflight(e: GrafanaEndpoint): Promise<PreflightProblem[]> {
    const url = `${e.url.replace(/\/+$/, "")}/api/folders?limit=1`;
    try {
        const res = await request(url, { headers: { authorization: authorizationHeader(e.auth) }, tls: e.ca !== undefined ? { ca: e.ca } : undefined, timeoutMs: e.timeoutMs });
        if (res.status === 200) {
            return [];
        }
        if (res.status === 401) {
            return [{ endpoint: e.url, key: "service-integration:grafanaAuth", problem: "Grafana refused the credential (401)", fix: "set a valid service-account token: pulumi config set --secret service-integration:grafanaAuth <token>" }];
        }
        if (res.status === 403) {
            return [{ endpoint: e.url, key: "service-integration:grafanaAuth", problem: "the credential is valid but may not read folders (403)", fix: "give the service account the Editor role (it creates folders and dashboards)" }];
        }
        return [{ endpoint: e.url, key: KEY, problem: `GET /api/folders answered ${res.status}: this does not look like Grafana's API`, fix: "set observability.grafana.url to Grafana's base URL" }];
    } catch (err) {
        if (err instanceof Unreachable) {
            const host = new URL(e.url).hostname;
            return [{ endpoint: e.url, key: KEY, problem: `unreachable: ${err.reason}`, fix: isInClusterName(host) ? `use Grafana's external URL, ${RUNNER_HINT}` : "check the URL and that Grafana is reachable from where Pulumi runs" }];
        }
        throw err;
    }
}
