import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../model";

/** A deep copy of the default catalog, for tests that break one field at a time. */
export function defaultCatalog(): { namespaces: Record<string, unknown>[]; services: Record<string, unknown>[] } {
    return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "catalog", "services.json"), "utf8"));
}

/** Minimal valid stack config (key without project prefix → value). */
export function baseConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        kubernetes: { context: "test", kubeconfigPath: "/dev/null" },
        mesh: { mtls: { mode: "PERMISSIVE" } },
        gateway: { admin: { url: "http://127.0.0.1:8001" }, database: { mode: "in-cluster" } },
        events: { bootstrapServers: ["127.0.0.1:9092"], tlsEnabled: false, kafkaVersion: "4.2.0", replicationFactor: 1, minInsyncReplicas: 1 },
        observability: { grafana: { url: "https://grafana.test" } },
        ...overrides,
    };
}
