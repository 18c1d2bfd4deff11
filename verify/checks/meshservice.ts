import { Check, VerifyContext } from "../context";
import { getEndpoint } from "../endpoint";
import { excerpt, HttpResponse, jsonBody, redactUrl } from "../http";
import { whoAnswered } from "../identity";
import { KubeClient, asKubeStatus } from "../kube";
import { CannotRun, Outcome, error, fail, pass, skip } from "../result";

/**
 * Seed test 3: a catalog service (portal-services by default) answers its health path. By default the request goes
 * through the API server's service proxy, `/api/v1/namespaces/<ns>/services/<name>:<port>/proxy<healthPath>`
 * (https://kubernetes.io/docs/tasks/access-application-cluster/access-cluster-services/#manually-constructing-apiserver-proxy-urls),
 * which reaches a pod of the Service and so its sidecar's inbound listener. Or to `--mesh-service-url`.
 *
 * How answers are judged (who answered: verify/identity.ts):
 * - 2xx with the sidecar's response headers (`server: istio-envoy`, `x-envoy-upstream-service-time`): PASS. A 2xx
 *   without them, for a service whose pods have a sidecar, is a FAIL naming what answered (a 200-to-everything
 *   server, a port-forward to the wrong thing, a pod that lost its sidecar). A service without a sidecar needs none.
 * - 403 `RBAC: access denied` (Envoy's RBAC filter body) through the API server proxy: the mesh's default-deny
 *   refused a caller without a mesh identity — the probe cannot reach the app: ERROR with how to probe instead.
 *   Through `--mesh-service-url` (an allowed caller such as the gateway): FAIL, the mesh refused that caller.
 * - API server Status 503 "no endpoints available": no ready pod → FAIL.
 * - API server "error trying to reach service" (connection reset) in a STRICT namespace: the sidecar refused the
 *   API server's plaintext → ERROR; elsewhere → FAIL.
 * - any other status: FAIL with the body's first characters.
 */

const ENVOY_RBAC_DENIED = "RBAC: access denied";

export const meshServiceCheck: Check = {
    id: "mesh-service",
    title: "Service answers through the mesh",
    async run(ctx: VerifyContext): Promise<Outcome> {
        const mesh = ctx.section("mesh");
        if (mesh === undefined) {
            return skip("the stack exports no `mesh` output (the mesh component is off)");
        }
        const name = ctx.endpoints.meshService;
        const svc = ctx.catalog().services.find((s) => s.name === name);
        if (svc === undefined) {
            throw new CannotRun(`the service catalog has no service named ${name}`, "pass --mesh-service <catalog service name>");
        }
        if (svc.healthPath === undefined) {
            throw new CannotRun(`catalog service ${name} declares no healthPath`, "give it a healthPath in the catalog, or pick another with --mesh-service");
        }
        const strict = mesh.namespaceMtls[svc.namespace] === "STRICT";
        let res: HttpResponse;
        let via: string;
        if (ctx.endpoints.meshServiceUrl !== undefined) {
            ({ res, via } = await getEndpoint(ctx, ctx.endpoints.meshServiceUrl, {
                what: `the probe of ${name}`,
                action: "start whatever forwards that URL (port-forward, proxy) or fix --mesh-service-url",
            }));
        } else {
            const apiPath = KubeClient.serviceProxyPath(svc.namespace, svc.name, svc.port, svc.healthPath);
            via = `the API server proxy ${apiPath}`;
            res = await ctx.kube().raw(apiPath);
        }
        const target = `${svc.namespace}/${svc.name}:${svc.port}${svc.healthPath}`;
        const who = whoAnswered(res);
        if (res.status >= 200 && res.status < 300) {
            if (svc.sidecar && !who.sidecar) {
                return fail(
                    `${target} answered ${res.status} ${excerpt(res.body, 80)} from ${who.description}: ${svc.name} has a sidecar, so a real answer carries server: istio-envoy / x-envoy-upstream-service-time (${redactUrl(via)})`,
                    `check what ${redactUrl(via)} really reaches (a port-forward to the wrong pod or port?) and that ${svc.name}'s pods still have their sidecar (the sidecars check)`,
                );
            }
            return pass(`${target} answered ${res.status} ${excerpt(res.body, 120)}${who.sidecar ? " through its sidecar" : " (it has no sidecar)"}`);
        }
        const body = jsonBody(res);
        const status = asKubeStatus(body);
        if (res.status === 403 && res.body.trim() === ENVOY_RBAC_DENIED && ctx.endpoints.meshServiceUrl !== undefined) {
            return fail(
                `${target}: ${who.description} refused the probe through ${redactUrl(via)} (403 "${ENVOY_RBAC_DENIED}"): the mesh's authorization policies do not admit that caller`,
                `allow the caller on ${svc.name} (catalog callers, or the gateway when the service is exposed) and run \`pulumi up\``,
            );
        }
        if (res.status === 403 && res.body.trim() === ENVOY_RBAC_DENIED) {
            return error(
                `${target}: the sidecar answered 403 "${ENVOY_RBAC_DENIED}" — the mesh's authorization policies refuse a caller without a mesh identity (${redactUrl(via)}), so the app was not reached`,
                `probe through an allowed caller instead, e.g. the gateway: --mesh-service-url <kong-proxy URL><route path>, or allow GET ${svc.healthPath} for unauthenticated callers on ${svc.name}`,
            );
        }
        if (status !== undefined) {
            const message = status.message ?? "";
            if (/no endpoints available/i.test(message)) {
                return fail(`${target} has no ready endpoint (${message})`, `look at \`kubectl -n ${svc.namespace} get pods -l app=${svc.app}\`: are the pods ready? Is the Deployment scaled to 0?`);
            }
            if (/error trying to reach service/i.test(message) && strict) {
                return error(
                    `${target} could not be reached by the API server (${message}); ${svc.namespace} is STRICT mTLS, so the sidecar refuses the API server's plaintext connection`,
                    "probe through a caller inside the mesh: --mesh-service-url <kong-proxy URL><route path>, or a port-forward to an in-mesh client",
                );
            }
            if (res.status === 404) {
                return fail(`${target}: ${message || "not found"}`, `does the Service ${svc.namespace}/${svc.name} exist with port ${svc.port}? Deploy it or fix the catalog entry`);
            }
            return fail(`${target} could not be reached (${res.status}: ${message})`, `look at the pods of ${svc.name} and their istio-proxy logs`);
        }
        return fail(
            `${target} answered ${res.status}: ${excerpt(res.body)}`,
            `look at the logs of ${svc.name} (\`kubectl -n ${svc.namespace} logs deploy/${svc.deployment ?? svc.name}\`) and of its istio-proxy container`,
        );
    },
};
