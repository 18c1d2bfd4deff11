/**
 * The project's fake Kong Admin API behind a kwok node: a FakeKong on 127.0.0.1 and a kwok ClusterPortForward
 * (sigs.k8s.io/kwok v0.8.0 pkg/apis/v1alpha1/cluster_port_forward_types.go) that sends port 8001 of every pod in
 * namespace `kong` to it. Pass `configFile` to scripts/cluster/cluster.sh as CLUSTER_KWOK_EXTRA_CONFIG before the
 * control plane starts; then a port-forward through the API server to a Kong pod reaches the fake.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FakeKong } from "../gateway/fakeKong";
import { GATEWAY } from "../../model/wellknown";

export interface KongBehindKwok {
    readonly kong: FakeKong;
    readonly url: string;
    readonly configFile: string;
    stop(): Promise<void>;
}

export function clusterPortForward(fakePort: number): string {
    return [
        "apiVersion: kwok.x-k8s.io/v1alpha1",
        "kind: ClusterPortForward",
        "metadata:",
        "  name: admin-api-to-fake-kong",
        "spec:",
        "  selector:",
        `    matchNamespaces: [${GATEWAY.namespace}]`,
        "  forwards:",
        `  - ports: [${GATEWAY.ports.admin}]`,
        "    target:",
        "      address: 127.0.0.1",
        `      port: ${fakePort}`,
        "",
    ].join("\n");
}

/** Writes the kwok config that forwards Kong pods' admin port to `fakeUrl`; returns its path. */
export function writeKongPortForward(dir: string, fakeUrl: string): string {
    const configFile = path.join(dir, "kong-port-forward.yaml");
    fs.writeFileSync(configFile, clusterPortForward(Number(new URL(fakeUrl).port)));
    return configFile;
}

/** Starts a fake Kong and writes the kwok config for it. */
export async function startKongBehindKwok(dir: string): Promise<KongBehindKwok> {
    const kong = new FakeKong();
    const url = await kong.start();
    return { kong, url, configFile: writeKongPortForward(dir, url), stop: () => kong.stop() };
}
