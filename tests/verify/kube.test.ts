import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { KubeClient, loadKubeconfig } from "../../verify/kube";
import { CannotRun } from "../../verify/result";
import { FakeServer, namespaceObject, startServer } from "./support";

/**
 * The minimal kubeconfig client: bearer token, token file, basic auth, exec credential plugin, CA and client
 * certificate (TLS against a real https server with certificates made by openssl), context selection.
 */

let dir: string;
let plain: FakeServer;
const pem: Record<string, string> = {};

function openssl(args: string[]): void {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-kube-"));
    // A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA.
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=test-ca"]);
    fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=kube-apiserver"]);
    openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "san.ext"]);
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=verify/O=system:masters"]);
    openssl(["x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.crt", "-days", "1"]);
    for (const f of ["ca.crt", "server.crt", "server.key", "client.crt", "client.key"]) pem[f] = fs.readFileSync(path.join(dir, f), "utf8");
    plain = await startServer(() => ({ body: namespaceObject("default") }));
}, 60_000);

afterAll(async () => {
    await plain.close();
    fs.rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>, extraContexts: Record<string, unknown>[] = []): string {
    const file = path.join(dir, name);
    fs.writeFileSync(
        file,
        stringify({
            apiVersion: "v1",
            kind: "Config",
            "current-context": "dev",
            clusters: [{ name: "dev-cluster", cluster }],
            users: [{ name: "dev-user", user }],
            contexts: [{ name: "dev", context: { cluster: "dev-cluster", user: "dev-user", namespace: "default" } }, ...extraContexts],
        }),
    );
    return file;
}

/** The Authorization header the API server received (read from the fake's records: the client blanks credentials a body echoes). */
async function seenAuthorization(file: string, context?: string): Promise<unknown> {
    const client = new KubeClient(loadKubeconfig(file, context), 3000);
    const before = plain.requests.length;
    await client.get("/api/v1/namespaces/default");
    return plain.requests[before]?.headers.authorization ?? null;
}

describe("kubeconfig client", () => {
    it("sends a bearer token, a token file (relative to the kubeconfig) or basic auth", async () => {
        expect(await seenAuthorization(kubeconfig("token.yaml", { server: plain.url }, { token: "abc.def" }))).toBe("Bearer abc.def");
        fs.writeFileSync(path.join(dir, "sa-token"), "from-file\n");
        expect(await seenAuthorization(kubeconfig("tokenfile.yaml", { server: plain.url }, { tokenFile: "sa-token" }))).toBe("Bearer from-file");
        expect(await seenAuthorization(kubeconfig("basic.yaml", { server: plain.url }, { username: "admin", password: "s3cret" }))).toBe(`Basic ${Buffer.from("admin:s3cret").toString("base64")}`);
    });

    it("runs an exec credential plugin (ExecCredential status.token) with KUBERNETES_EXEC_INFO set", async () => {
        const plugin = path.join(dir, "cred-plugin.sh");
        fs.writeFileSync(
            plugin,
            '#!/bin/sh\ncase "$KUBERNETES_EXEC_INFO" in *ExecCredential*) ;; *) echo "no exec info" >&2; exit 1;; esac\n' +
                'echo "{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"exec-$1\\"}}"\n',
            { mode: 0o755 },
        );
        const file = kubeconfig("exec.yaml", { server: plain.url }, { exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, args: ["eks"], interactiveMode: "Never" } });
        expect(await seenAuthorization(file)).toBe("Bearer exec-eks");
        const broken = kubeconfig("exec-missing.yaml", { server: plain.url }, { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "/nonexistent/aws-iam-authenticator" } });
        expect(() => loadKubeconfig(broken)).toThrow(CannotRun);
    });

    it("selects the named context, and says which contexts are missing", async () => {
        const file = kubeconfig("contexts.yaml", { server: plain.url }, { token: "t" }, [{ name: "prod", context: { cluster: "dev-cluster", user: "dev-user" } }]);
        expect(loadKubeconfig(file, "prod").source).toContain("context prod");
        expect(() => loadKubeconfig(file, "staging")).toThrow(/no context named staging/);
        expect(() => loadKubeconfig(path.join(dir, "absent.yaml"))).toThrow(/no kubeconfig at/);
        const legacy = kubeconfig("authprovider.yaml", { server: plain.url }, { "auth-provider": { name: "gcp" } });
        expect(() => loadKubeconfig(legacy)).toThrow(/auth-provider/);
    });

    it("verifies the API server against certificate-authority-data and presents a client certificate", async () => {
        const server = https.createServer({ key: pem["server.key"], cert: pem["server.crt"], ca: pem["ca.crt"], requestCert: true, rejectUnauthorized: false }, (req, res) => {
            const sock = req.socket as TLSSocket;
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({ ...namespaceObject("default"), clientCN: sock.authorized ? sock.getPeerCertificate().subject.CN : null }));
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
        try {
            const b64 = (s: string): string => Buffer.from(s).toString("base64");
            const withCert = kubeconfig("tls.yaml", { server: url, "certificate-authority-data": b64(pem["ca.crt"]) }, { "client-certificate-data": b64(pem["client.crt"]), "client-key-data": b64(pem["client.key"]) });
            const ns = await new KubeClient(loadKubeconfig(withCert), 3000).get<{ clientCN: unknown }>("/api/v1/namespaces/default");
            expect(ns?.clientCN).toBe("verify");

            // CA and client files given by path, relative to the kubeconfig.
            fs.writeFileSync(path.join(dir, "ca-file.crt"), pem["ca.crt"]);
            const byPath = kubeconfig("tls-files.yaml", { server: url, "certificate-authority": "ca-file.crt" }, { "client-certificate": path.join(dir, "client.crt"), "client-key": "client.key" });
            expect((await new KubeClient(loadKubeconfig(byPath), 3000).get<{ clientCN: unknown }>("/x"))?.clientCN).toBe("verify");

            // Without the CA the server is not trusted: the client says so rather than answering anything.
            const noCa = kubeconfig("tls-noca.yaml", { server: url }, { token: "t" });
            await expect(new KubeClient(loadKubeconfig(noCa), 3000).get("/x")).rejects.toThrow(/TLS verification failed/);
            // insecure-skip-tls-verify is honoured.
            const insecure = kubeconfig("tls-insecure.yaml", { server: url, "insecure-skip-tls-verify": true }, { token: "t" });
            expect(await new KubeClient(loadKubeconfig(insecure), 3000).get("/x")).toBeDefined();
        } finally {
            await new Promise<void>((r) => server.close(() => r()));
        }
    });
});
