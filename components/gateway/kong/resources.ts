/**
 * Typed Pulumi resources over the Kong dynamic provider: KongService, KongRoute, KongPlugin, KongConsumer and
 * KongJwtCredential (types `pulumi-nodejs:dynamic/kong:<Type>`). Their args use Kong's own field names inside `body`
 * — the fields the user sets, nothing else — so the provider can compare exactly those.
 */
import * as pulumi from "@pulumi/pulumi";
import { KongConnection } from "./client";
import { KongEntityInputs, KongKind, KongParent, kongProvider } from "./provider";
import { kongInventoryProvider } from "./inventory";

/** Connection and ownership every Kong resource needs. */
export interface KongCommonArgs {
    /** Admin API URL and credentials; the token and client key should be secret Outputs. */
    readonly connection: pulumi.Input<KongConnection>;
    /** Ownership tags (`managed-by:pulumi`, `stack:<stack>`); merged into the entity's tags. */
    readonly ownerTags: readonly string[];
    /** Extra user tags. */
    readonly tags?: readonly string[];
}

type Body = Record<string, pulumi.Input<unknown>>;

function mergedTags(args: KongCommonArgs): string[] {
    return [...new Set([...args.ownerTags, ...(args.tags ?? [])])];
}

/** Base class: maps typed args onto the provider's generic inputs. */
abstract class KongResource extends pulumi.dynamic.Resource {
    /** Kong's UUID for the entity. */
    declare public readonly kongId: pulumi.Output<string>;
    /** The user-set Kong fields as last applied or read (live values, projected onto what the user set). */
    declare public readonly body: pulumi.Output<Record<string, unknown>>;

    protected constructor(
        type: string,
        kind: KongKind,
        name: string,
        key: pulumi.Input<string>,
        parent: KongParent | undefined,
        body: Body,
        common: KongCommonArgs,
        extra: { secret?: pulumi.Input<string> },
        opts?: pulumi.CustomResourceOptions,
    ) {
        const inputs: Record<keyof KongEntityInputs | "kongId", unknown> = {
            connection: common.connection,
            kind,
            key,
            parent,
            body: { ...body, tags: mergedTags(common) },
            secret: extra.secret,
            ownerTags: [...common.ownerTags],
            kongId: undefined,
        };
        super(kongProvider, name, inputs, { ...opts, additionalSecretOutputs: ["connection", "secret", ...(opts?.additionalSecretOutputs ?? [])] }, "kong", type);
    }
}

function defined(body: Body): Body {
    return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

export interface KongServiceArgs extends KongCommonArgs {
    readonly name: string;
    readonly protocol: pulumi.Input<string>;
    readonly host: pulumi.Input<string>;
    readonly port: pulumi.Input<number>;
    readonly path?: pulumi.Input<string>;
    readonly retries?: pulumi.Input<number>;
    readonly connectTimeout?: pulumi.Input<number>;
    readonly readTimeout?: pulumi.Input<number>;
    readonly writeTimeout?: pulumi.Input<number>;
    readonly enabled?: pulumi.Input<boolean>;
}

export class KongService extends KongResource {
    constructor(name: string, args: KongServiceArgs, opts?: pulumi.CustomResourceOptions) {
        const body = defined({
            protocol: args.protocol,
            host: args.host,
            port: args.port,
            path: args.path,
            retries: args.retries,
            connect_timeout: args.connectTimeout,
            read_timeout: args.readTimeout,
            write_timeout: args.writeTimeout,
            enabled: args.enabled,
        });
        super("Service", "service", name, args.name, undefined, body, args, {}, opts);
    }
}

export interface KongRouteArgs extends KongCommonArgs {
    readonly name: string;
    /** Name of the Kong service the route belongs to (`PUT /services/{service}/routes/{name}`). */
    readonly service: string;
    readonly protocols?: pulumi.Input<string[]>;
    readonly paths?: pulumi.Input<string[]>;
    readonly methods?: pulumi.Input<string[]>;
    readonly hosts?: pulumi.Input<string[]>;
    readonly stripPath?: pulumi.Input<boolean>;
    readonly preserveHost?: pulumi.Input<boolean>;
}

export class KongRoute extends KongResource {
    constructor(name: string, args: KongRouteArgs, opts?: pulumi.CustomResourceOptions) {
        const body = defined({
            protocols: args.protocols,
            paths: args.paths,
            methods: args.methods,
            hosts: args.hosts,
            strip_path: args.stripPath,
            preserve_host: args.preserveHost,
        });
        super("Route", "route", name, args.name, { collection: "services", key: args.service }, body, args, {}, opts);
    }
}

/** At most one scope: a plugin on a service, a route or a consumer; none means global. */
export type KongPluginScope = { readonly service: string } | { readonly route: string } | { readonly consumer: string } | undefined;

export interface KongPluginArgs extends KongCommonArgs {
    /** Kong `instance_name`: the plugin's endpoint key, unique across plugins. */
    readonly instanceName: string;
    /** The plugin, e.g. `rate-limiting`. */
    readonly plugin: string;
    readonly scope?: KongPluginScope;
    /** Only the config fields you set; Kong fills the rest with defaults, which never cause a diff. */
    readonly config?: pulumi.Input<Record<string, unknown>>;
    readonly enabled?: pulumi.Input<boolean>;
    readonly protocols?: pulumi.Input<string[]>;
}

function pluginParent(scope: KongPluginScope): KongParent | undefined {
    if (scope === undefined) {
        return undefined;
    }
    if ("service" in scope) {
        return { collection: "services", key: scope.service };
    }
    if ("route" in scope) {
        return { collection: "routes", key: scope.route };
    }
    return { collection: "consumers", key: scope.consumer };
}

export class KongPlugin extends KongResource {
    constructor(name: string, args: KongPluginArgs, opts?: pulumi.CustomResourceOptions) {
        const body = defined({ name: args.plugin, config: args.config, enabled: args.enabled, protocols: args.protocols });
        super("Plugin", "plugin", name, args.instanceName, pluginParent(args.scope), body, args, {}, opts);
    }
}

export interface KongConsumerArgs extends KongCommonArgs {
    readonly username: string;
    readonly customId?: pulumi.Input<string>;
}

export class KongConsumer extends KongResource {
    constructor(name: string, args: KongConsumerArgs, opts?: pulumi.CustomResourceOptions) {
        super("Consumer", "consumer", name, args.username, undefined, defined({ custom_id: args.customId }), args, {}, opts);
    }
}

export interface KongJwtCredentialArgs extends KongCommonArgs {
    /** Username of the consumer (`PUT /consumers/{consumer}/jwt/{key}`). */
    readonly consumer: string;
    /** The value tokens carry in their `iss` claim. */
    readonly key: string;
    readonly algorithm: pulumi.Input<string>;
    /** HS*: the shared secret, a Pulumi secret. Omitted: Kong generates one, kept from then on. */
    readonly secret?: pulumi.Input<string>;
    /** Asymmetric algorithms: the issuer's PEM public key. */
    readonly rsaPublicKey?: pulumi.Input<string>;
}

export class KongJwtCredential extends KongResource {
    /** The HS* secret in effect (a secret output). */
    declare public readonly secret: pulumi.Output<string | undefined>;

    constructor(name: string, args: KongJwtCredentialArgs, opts?: pulumi.CustomResourceOptions) {
        const body = defined({ algorithm: args.algorithm, rsa_public_key: args.rsaPublicKey });
        super("JwtCredential", "jwt", name, args.key, { collection: "consumers", key: args.consumer }, body, args, { secret: args.secret }, opts);
    }
}

export interface KongCertificateArgs extends KongCommonArgs {
    /** The certificate's id (a UUID: certificates have no name in Kong 3.9). */
    readonly id: string;
    /** PEM chain and private key, e.g. a Kubernetes TLS Secret's `tls.crt`/`tls.key`; the key is a secret. */
    readonly cert: pulumi.Input<string>;
    readonly key: pulumi.Input<string>;
}

export class KongCertificate extends KongResource {
    constructor(name: string, args: KongCertificateArgs, opts?: pulumi.CustomResourceOptions) {
        // The whole body carries the private key: secret in state and in every output.
        super("Certificate", "certificate", name, args.id, undefined, { cert: args.cert, key: pulumi.secret(args.key) }, args, {}, { ...opts, additionalSecretOutputs: ["body", ...(opts?.additionalSecretOutputs ?? [])] });
    }
}

export interface KongSniArgs extends KongCommonArgs {
    /** The host name (a leading `*.` wildcard is allowed). */
    readonly name: string;
    /** The id of the certificate Kong serves for it. */
    readonly certificateId: pulumi.Input<string>;
}

export class KongSni extends KongResource {
    constructor(name: string, args: KongSniArgs, opts?: pulumi.CustomResourceOptions) {
        super("Sni", "sni", name, args.name, undefined, { certificate: pulumi.output(args.certificateId).apply((id) => ({ id })) }, args, {}, opts);
    }
}

export interface KongInventoryArgs {
    readonly connection: pulumi.Input<KongConnection>;
    readonly ownerTags: readonly string[];
    /** Every declared entity as `<collection>/<name>` (see inventory.ts). */
    readonly declared: readonly string[];
    /** Delete owned entities the program does not declare (`gateway.admin.pruneOrphans`). */
    readonly prune: boolean;
}

/** `kong:Inventory`: reports (and, when told to, prunes) owned entities the program does not declare. */
export class KongInventory extends pulumi.dynamic.Resource {
    /** Owned entities in Kong that the program does not declare, as `<collection>/<name>`. */
    declare public readonly orphans: pulumi.Output<string[]>;
    declare public readonly pruned: pulumi.Output<string[]>;

    constructor(name: string, args: KongInventoryArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            kongInventoryProvider,
            name,
            { connection: args.connection, ownerTags: [...args.ownerTags], declared: [...args.declared], prune: args.prune, orphans: undefined, pruned: undefined },
            { ...opts, additionalSecretOutputs: ["connection", ...(opts?.additionalSecretOutputs ?? [])] },
            "kong",
            "Inventory",
        );
    }
}
