import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../model";

interface RawCatalog {
    namespaces: { name: string; injected: boolean }[];
    services: Record<string, unknown>[];
}

export function defaultCatalogFile(): RawCatalog {
    return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "catalog", "services.json"), "utf8")) as RawCatalog;
}

/**
 * The default catalog plus `size` synthetic services spread over the injected namespaces, each called by a few
 * earlier ones and every third one exposed through the gateway: the shape a growing platform would have.
 */
export function generateCatalog(size: number): RawCatalog {
    const base = defaultCatalogFile();
    const namespaces = ["data-platform", "kong", "monitoring"];
    const services = [...base.services];
    for (let i = 0; i < size; i++) {
        const name = `svc-${String(i).padStart(4, "0")}`;
        const callers = [1, 2, 3].map((d) => i - d).filter((j) => j >= 0).map((j) => `svc-${String(j).padStart(4, "0")}`);
        services.push({
            name,
            namespace: namespaces[i % namespaces.length],
            port: 8080,
            timeout: "10s",
            retries: { attempts: 2, perTryTimeout: "4s" },
            callers,
            ...(i % 3 === 0 ? { gateway: { routes: [{ name: "api", paths: [`/api/${name}`] }], rateLimitPerMinute: 600 } } : {}),
        });
    }
    return { namespaces: base.namespaces, services };
}
