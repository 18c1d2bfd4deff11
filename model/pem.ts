import { X509Certificate } from "node:crypto";
import { Reader } from "./reader";

/**
 * Reads an optional PEM certificate (a CA or a client certificate: public material, so plain config). Each
 * certificate in the value must parse as X.509, so a truncated paste fails here, not at the first TLS handshake.
 */
export function readPem(r: Reader, key: string, _kind: "CERTIFICATE"): string | undefined {
    const pem = r.optionalString(key);
    if (pem === undefined) {
        return undefined;
    }
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) {
        r.problems.add(r.at(key), pem.slice(0, 30), "is not a PEM certificate", `paste the certificate including its -----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- lines`);
        return pem;
    }
    blocks.forEach((block, i) => {
        try {
            new X509Certificate(block);
        } catch (e) {
            r.problems.add(r.at(key), `certificate ${i + 1} of ${blocks.length}`, `does not parse as X.509 (${(e as Error).message})`, "paste the whole PEM again; it may be truncated");
        }
    });
    return pem;
}
