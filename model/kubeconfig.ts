import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { Problems } from "./errors";

/**
 * Checks a kubeconfig file against the stack's `kubernetes` settings before any resource exists: the file can be
 * read, the context exists, and (when `kubernetes.server` is set) the context's cluster is that API server. Without
 * this a typo in the context, or a kubeconfig of another cluster, surfaces only when the provider first connects,
 * or not at all (the wrong cluster answers).
 */
export function checkKubeconfigFile(problems: Problems, at: string, file: string, context: string, server: string | undefined, baseDir: string): void {
    const full = file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : path.resolve(baseDir, file);
    let doc: KubeconfigDoc;
    try {
        doc = (YAML.parse(fs.readFileSync(full, "utf8")) ?? {}) as KubeconfigDoc;
    } catch (e) {
        const reason = (e as NodeJS.ErrnoException).code ?? "not YAML";
        problems.add(`${at}.kubeconfigPath`, file, `cannot be read as a kubeconfig (${reason})`, "point kubeconfigPath at the cluster's kubeconfig file, or set the kubeconfig secret");
        return;
    }
    const contexts = (doc.contexts ?? []).map((c) => c.name).filter((n): n is string => typeof n === "string");
    const entry = (doc.contexts ?? []).find((c) => c.name === context);
    if (entry === undefined) {
        problems.add(`${at}.context`, context, `is not a context of ${file}`, contexts.length > 0 ? `use one of: ${contexts.join(", ")}` : `add the context to ${file}`);
        return;
    }
    if (server === undefined) {
        return;
    }
    const cluster = (doc.clusters ?? []).find((c) => c.name === entry.context?.cluster);
    const actual = cluster?.cluster?.server;
    if (actual !== server) {
        problems.add(
            `${at}.context`,
            context,
            `points at ${actual ?? "no cluster"}, not the stack's API server ${server} (kubernetes.server)`,
            "use the context of this stack's cluster, or correct kubernetes.server",
        );
    }
}

/** The parts of a kubeconfig (client-go's clientcmd/api/v1 Config) the check reads. */
interface KubeconfigDoc {
    readonly contexts?: readonly { readonly name?: string; readonly context?: { readonly cluster?: string } }[];
    readonly clusters?: readonly { readonly name?: string; readonly cluster?: { readonly server?: string } }[];
}
