import type { SASLOptions } from "kafkajs";
import type { SaslMechanism } from "../model/events";

/**
 * kafkajs is no longer the library's producer (see producer/README.md: after a failed send it reused its producer id
 * with a rewound sequence, and a later event resolved as delivered without being written). It stays the client of
 * the `verify` command and of the tests' admin and consumers; this maps the model's SASL settings onto it.
 */

/** kafkajs spells the SCRAM mechanisms with a dash (scram-sha-256); the model uses the Pulumi provider's spelling. */
export function kafkaJsSasl(sasl: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string }): SASLOptions {
    switch (sasl.mechanism) {
        case "plain":
            return { mechanism: "plain", username: sasl.username, password: sasl.password };
        case "scram-sha256":
            return { mechanism: "scram-sha-256", username: sasl.username, password: sasl.password };
        case "scram-sha512":
            return { mechanism: "scram-sha-512", username: sasl.username, password: sasl.password };
    }
}
