/**
 * Pulumi program of the `kong-e2e` project (run by tests/e2e/kong.e2e.test.ts through the real CLI): the Kong
 * entities the platform program would manage, through the same code path — `service-integration:gateway` parsed by
 * parseGatewayConfig over the default catalog, deriveKongEntities, readGatewaySecrets, kongConnection and the
 * KongConfiguration component — without the Kubernetes side of ApiGateway (no cluster here).
 *
 * Config (namespace `service-integration`, as in the platform program):
 *   gateway            the gateway object; admin.url points at the Admin API (the test's fake Kong on 127.0.0.1), or
 *                      is absent: then the provider port-forwards to a ready Kong pod through the Kubernetes API
 *   kubernetes         {kubeconfigPath, context}: the credentials of that port-forward (as the platform program's)
 *   jwtSecret-<key>    secret, for each HS* JWT credential with `secret: config`
 *   kongAdminToken     secret, when admin.token is true
 * JWT credentials must use `secret: config` (or an asymmetric key): `generated` needs the random plugin, which
 * cannot be built on these machines.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { kongConnection } from "../../../components/gateway";
import { KongConfiguration } from "../../../components/gateway/kong/configuration";
import { deriveKongEntities } from "../../../components/gateway/kong/entities";
import { readGatewaySecrets } from "../../../components/gateway/secrets";
import { parseCatalog } from "../../../model/catalog";
import { Problems } from "../../../model/errors";
import { parseGatewayConfig } from "../../../model/gateway";
import { Reader } from "../../../model/reader";

const CATALOG = "catalog/services.json";
const repoRoot = path.resolve(__dirname, "../../..");
const config = new pulumi.Config("service-integration");

const catalog = parseCatalog(JSON.parse(fs.readFileSync(path.join(repoRoot, CATALOG), "utf8")), CATALOG);
const problems = new Problems();
const model = parseGatewayConfig(Reader.root("service-integration:gateway", config.requireObject<unknown>("gateway"), problems), catalog);
problems.throwIfAny(`stack ${pulumi.getStack()} config`);

const declaration = deriveKongEntities(model, catalog, pulumi.getStack());
const secrets = readGatewaySecrets(model, config);
const kubernetes = config.getObject<{ kubeconfigPath: string; context: string }>("kubernetes");
const kong = new KongConfiguration("kong", {
    declaration,
    connection: kongConnection(model, secrets, kubernetes),
    jwtSecrets: secrets.jwtSecrets,
    pruneOrphans: model.admin.pruneOrphans,
});

const ids = (byKey: Record<string, { kongId: pulumi.Output<string> }>): pulumi.Output<Record<string, string>> =>
    pulumi.all(Object.fromEntries(Object.entries(byKey).map(([k, r]) => [k, r.kongId])));

/** Kong ids by entity key, so the test can tell an in-place update (same id) from a replacement. */
export const kongIds = {
    services: ids(kong.services),
    routes: ids(kong.routes),
    plugins: ids(kong.plugins),
    consumers: ids(kong.consumers),
    jwtCredentials: ids(kong.jwtCredentials),
};
/** HS* JWT secrets by credential key: a secret output. */
export const jwtSecrets = kong.jwtSecrets;
export const ownerTags = declaration.ownerTags;
/** Owned entities in Kong that the program does not declare (drift report of the inventory). */
export const orphans = kong.inventory.orphans;
