import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { Problems } from "../../model/errors";
import { checkKubeconfigFile } from "../../model/kubeconfig";

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:6443"}
- name: prod
  cluster: {server: "https://prod.example:6443"}
contexts:
- name: 254carbon-local-admin
  context: {cluster: local, user: admin}
- name: 254carbon-prod
  context: {cluster: prod, user: admin}
users: []
`;

function check(context: string, server?: string, file = "kubeconfig"): string[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-"));
    fs.writeFileSync(path.join(dir, "kubeconfig"), KUBECONFIG);
    const problems = new Problems();
    checkKubeconfigFile(problems, "service-integration:kubernetes", file, context, server, dir);
    fs.rmSync(dir, { recursive: true });
    return problems.all.map((p) => `${p.path}: ${p.message} → ${p.fix}`);
}

describe("the stack's kubeconfig is checked before any resource exists", () => {
    it("accepts the context of the stack's API server", () => {
        expect(check("254carbon-local-admin", "https://127.0.0.1:6443")).toEqual([]);
    });

    it("names a context the kubeconfig does not have, with the ones it has", () => {
        expect(check("254carbon-lokal")).toEqual([
            "service-integration:kubernetes.context: is not a context of kubeconfig → use one of: 254carbon-local-admin, 254carbon-prod",
        ]);
    });

    it("refuses a context of another cluster than kubernetes.server", () => {
        expect(check("254carbon-prod", "https://127.0.0.1:6443")).toEqual([
            "service-integration:kubernetes.context: points at https://prod.example:6443, not the stack's API server https://127.0.0.1:6443 (kubernetes.server) → use the context of this stack's cluster, or correct kubernetes.server",
        ]);
    });

    it("names an unreadable kubeconfig file", () => {
        expect(check("x", undefined, "missing/kubeconfig")[0]).toMatch(/kubeconfigPath: cannot be read as a kubeconfig \(ENOENT\)/);
    });
});
