/**
 * `platform:gateway:KongConfiguration`: the declared Kong entities as resources of the Kong dynamic provider —
 * services, their routes, plugins at every scope, consumers and JWT credentials — in dependency order.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { KongConnection } from "./client";
import { consumerBody, DeclaredPlugin, jwtBody, KongDeclaration, pluginBody, routeBody, serviceBody } from "./entities";
import { KongCertificate, KongConsumer, KongInventory, KongJwtCredential, KongPlugin, KongPluginScope, KongRoute, KongService, KongSni } from "./resources";

export interface KongConfigurationArgs {
    /** What to declare (see deriveKongEntities). */
    readonly declaration: KongDeclaration;
    /** How the provider reaches the Admin API; make it a secret when it carries a token or key. */
    readonly connection: pulumi.Input<KongConnection>;
    /** Secrets of JWT credentials whose secret comes from config, by credential key. */
    readonly jwtSecrets?: Readonly<Record<string, pulumi.Input<string>>>;
    /** PEM certificate and key of each declared certificate, by Secret name (read from the Kubernetes TLS Secret). */
    readonly tlsMaterial?: Readonly<Record<string, { readonly cert: pulumi.Input<string>; readonly key: pulumi.Input<string> }>>;
    /** Delete owned entities the program does not declare (default false: reported as `orphans` only). */
    readonly pruneOrphans?: boolean;
}

/** Every declared entity as the inventory names them: `<collection>/<name>`. */
export function declaredNames(d: KongDeclaration): string[] {
    const plugins = [...d.plugins, ...d.services.flatMap((s) => [...s.plugins, ...s.routes.flatMap((r) => r.plugins)]), ...d.consumers.flatMap((c) => c.plugins)];
    return [
        ...d.services.map((s) => `services/${s.name}`),
        ...d.services.flatMap((s) => s.routes.map((r) => `routes/${r.name}`)),
        ...plugins.map((p) => `plugins/${p.instance_name}`),
        ...d.consumers.map((c) => `consumers/${c.username}`),
        ...d.consumers.flatMap((c) => c.jwt_secrets.map((j) => `jwts/${j.key}`)),
        ...d.certificates.map((c) => `certificates/${c.id}`),
        ...d.certificates.flatMap((c) => c.snis.map((n) => `snis/${n}`)),
    ];
}

export class KongConfiguration extends pulumi.ComponentResource {
    /** Drift report: owned entities in Kong the program does not declare (see inventory.ts). */
    readonly inventory: KongInventory;
    readonly services: Record<string, KongService> = {};
    readonly routes: Record<string, KongRoute> = {};
    /** By instance_name. */
    readonly plugins: Record<string, KongPlugin> = {};
    readonly consumers: Record<string, KongConsumer> = {};
    /** By JWT key. */
    readonly jwtCredentials: Record<string, KongJwtCredential> = {};
    /** Every HS* JWT secret in effect, by credential key (a secret output: hand it to the token issuers). */
    readonly jwtSecrets: pulumi.Output<Record<string, string>>;

    private readonly certificates: pulumi.Resource[] = [];

    private getEntities(): pulumi.Resource[] {
        return [...Object.values(this.services), ...Object.values(this.routes), ...Object.values(this.plugins), ...Object.values(this.consumers), ...Object.values(this.jwtCredentials), ...this.certificates];
    }

    constructor(name: string, args: KongConfigurationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:gateway:KongConfiguration", name, {}, opts);
        const d = args.declaration;
        const common = { connection: args.connection, ownerTags: d.ownerTags };
        const plugin = (p: DeclaredPlugin, scope: KongPluginScope, dependsOn: pulumi.Resource[]): KongPlugin => {
            const { name: pluginName, config, enabled } = pluginBody(p) as { name: string; config: Record<string, unknown>; enabled: boolean };
            const res = new KongPlugin(`kong-plugin-${p.instance_name}`, { ...common, instanceName: p.instance_name, plugin: pluginName, scope, config, enabled }, { parent: this, dependsOn });
            this.plugins[p.instance_name] = res;
            return res;
        };

        for (const p of d.plugins) {
            plugin(p, undefined, []);
        }
        for (const s of d.services) {
            const body = serviceBody(s) as { protocol: string; host: string; port: number; retries: number; connect_timeout?: number; read_timeout?: number; write_timeout?: number };
            const service = new KongService(
                `kong-service-${s.name}`,
                {
                    ...common,
                    name: s.name,
                    protocol: body.protocol,
                    host: body.host,
                    port: body.port,
                    retries: body.retries,
                    connectTimeout: body.connect_timeout,
                    readTimeout: body.read_timeout,
                    writeTimeout: body.write_timeout,
                },
                { parent: this },
            );
            this.services[s.name] = service;
            s.plugins.forEach((p) => plugin(p, { service: s.name }, [service]));
            for (const r of s.routes) {
                const rb = routeBody(r) as { protocols: string[]; paths?: string[]; methods?: string[]; hosts?: string[]; strip_path: boolean };
                const route = new KongRoute(
                    `kong-route-${r.name}`,
                    { ...common, name: r.name, service: s.name, protocols: rb.protocols, paths: rb.paths, methods: rb.methods, hosts: rb.hosts, stripPath: rb.strip_path },
                    { parent: this, dependsOn: [service] },
                );
                this.routes[r.name] = route;
                r.plugins.forEach((p) => plugin(p, { route: r.name }, [route]));
            }
        }
        const secrets: Record<string, pulumi.Output<string>> = {};
        for (const c of d.consumers) {
            const cb = consumerBody(c) as { custom_id?: string };
            const consumer = new KongConsumer(`kong-consumer-${c.username}`, { ...common, username: c.username, customId: cb.custom_id }, { parent: this });
            this.consumers[c.username] = consumer;
            c.plugins.forEach((p) => plugin(p, { consumer: c.username }, [consumer]));
            for (const j of c.jwt_secrets) {
                const jb = jwtBody(j) as { algorithm: string; rsa_public_key?: string };
                let secret: pulumi.Input<string> | undefined;
                if (j.secret?.source === "generated") {
                    secret = new random.RandomPassword(`kong-jwt-${j.key}`, { length: 48, special: false }, { parent: this }).result;
                } else if (j.secret?.source === "config") {
                    const fromConfig = args.jwtSecrets?.[j.key];
                    if (fromConfig === undefined) {
                        throw new Error(`JWT credential ${j.key} takes its secret from config, but none was given: set it with "pulumi config set --secret service-integration:${j.secret.configKey} <secret>"`);
                    }
                    secret = pulumi.secret(fromConfig);
                }
                const cred = new KongJwtCredential(
                    `kong-jwt-${j.key}`,
                    { ...common, consumer: c.username, key: j.key, algorithm: jb.algorithm, rsaPublicKey: jb.rsa_public_key, secret },
                    { parent: this, dependsOn: [consumer] },
                );
                this.jwtCredentials[j.key] = cred;
                if (secret !== undefined) {
                    secrets[j.key] = cred.secret.apply((s) => s ?? "");
                }
            }
        }
        for (const c of d.certificates) {
            const material = args.tlsMaterial?.[c.secretName];
            if (material === undefined) {
                throw new Error(`Kong certificate from Secret ${c.secretName} was declared without its PEM material (tlsMaterial.${c.secretName})`);
            }
            const cert = new KongCertificate(`kong-certificate-${c.secretName}`, { ...common, id: c.id, cert: material.cert, key: material.key }, { parent: this });
            this.certificates.push(cert);
            for (const sni of c.snis) {
                this.certificates.push(new KongSni(`kong-sni-${sni}`, { ...common, name: sni, certificateId: c.id }, { parent: this, dependsOn: [cert] }));
            }
        }
        this.jwtSecrets = pulumi.secret(pulumi.all(secrets));
        // After every entity: on create/update it lists what exists by now, so only true orphans remain.
        const entities: pulumi.Resource[] = this.getEntities();
        this.inventory = new KongInventory("kong-inventory", { connection: args.connection, ownerTags: d.ownerTags, declared: declaredNames(d), prune: args.pruneOrphans ?? false }, { parent: this, dependsOn: entities });
        this.registerOutputs({ jwtSecrets: this.jwtSecrets, orphans: this.inventory.orphans });
    }
}
