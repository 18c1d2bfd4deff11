import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A throw-away CA and a server certificate it signed (for 127.0.0.1 and localhost), made with openssl. */
export interface TestPki {
    readonly dir: string;
    readonly caCert: string;
    readonly caCertFile: string;
    readonly serverCertFile: string;
    readonly serverKeyFile: string;
    /** A second, unrelated CA: trusting it instead must fail verification. */
    readonly otherCaCert: string;
}

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

export function makePki(prefix = "254carbon-pki-"): TestPki {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const ca = (name: string): void => openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.crt`], dir);
    ca("test-ca");
    ca("other-ca");
    fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"], dir);
    openssl(["x509", "-req", "-in", "server.csr", "-CA", "test-ca.crt", "-CAkey", "test-ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt"], dir);
    return {
        dir,
        caCert: fs.readFileSync(path.join(dir, "test-ca.crt"), "utf8"),
        caCertFile: path.join(dir, "test-ca.crt"),
        serverCertFile: path.join(dir, "server.crt"),
        serverKeyFile: path.join(dir, "server.key"),
        otherCaCert: fs.readFileSync(path.join(dir, "other-ca.crt"), "utf8"),
    };
}
