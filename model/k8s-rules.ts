import { Problems } from "./errors";

/**
 * Kubernetes' own name and label rules, so a bad name fails in the model (with the key, the value and the fix)
 * instead of at the API server. Each rule and its message follow k8s.io/apimachinery v0.37.2:
 * - pkg/util/validation/validation.go: IsDNS1123Label, IsDNS1123Subdomain, IsDNS1035Label, IsValidPortName
 *   (since v0.34 the label-key/value and DNS helpers delegate to pkg/api/validate/content/{dns,kube}.go, same rules);
 * - pkg/api/validate/content/kube.go: IsLabelKey (= IsQualifiedName), IsLabelValue;
 * - pkg/api/validation/objectmeta.go: ValidateAnnotations (keys are qualified names after lower-casing; keys and
 *   values together at most TotalAnnotationSizeLimitB = 256 KiB).
 * Each function returns the list of what is wrong (empty when valid), worded like apimachinery's messages.
 */

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_NAME = new RegExp(`^${LABEL_KEY_FMT}$`);
const LABEL_VALUE = new RegExp(`^(${LABEL_KEY_FMT})?$`);

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const LABEL_VALUE_MAX = 63;
export const PORT_NAME_MAX = 15;
export const ANNOTATIONS_TOTAL_MAX = 256 * 1024;

function maxLen(n: number): string {
    return `must be no more than ${n} bytes`;
}

function bytes(s: string): number {
    return Buffer.byteLength(s, "utf8");
}

/** Namespace names and most object names with a 63-byte limit. */
export function dns1123Label(value: string): string[] {
    const errs: string[] = [];
    if (bytes(value) > DNS1123_LABEL_MAX) {
        errs.push(maxLen(DNS1123_LABEL_MAX));
    }
    if (!DNS1123_LABEL.test(value)) {
        errs.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character");
    }
    return errs;
}

/** Object names (Deployments, ServiceAccounts, NetworkPolicies, ...) and label-key prefixes. */
export function dns1123Subdomain(value: string): string[] {
    const errs: string[] = [];
    if (bytes(value) > DNS1123_SUBDOMAIN_MAX) {
        errs.push(maxLen(DNS1123_SUBDOMAIN_MAX));
    }
    if (!DNS1123_SUBDOMAIN.test(value)) {
        errs.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
    }
    return errs;
}

/**
 * Service names as Kubernetes validated them before RelaxedServiceNameValidation (ValidateServiceName =
 * apimachinery NameIsDNS1035Label): the model keeps this rule for catalog services, so a name works on every
 * version; a 1.36 API server also takes DNS-1123 labels (tests/model/k8s-rules.cluster.test.ts shows both).
 */
export function dns1035Label(value: string): string[] {
    const errs: string[] = [];
    if (bytes(value) > DNS1123_LABEL_MAX) {
        errs.push(maxLen(DNS1123_LABEL_MAX));
    }
    if (!DNS1035_LABEL.test(value)) {
        errs.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character");
    }
    return errs;
}

/** Label keys and annotation keys: `[prefix/]name`, the prefix a DNS-1123 subdomain, the name at most 63. */
export function qualifiedName(value: string): string[] {
    const parts = value.split("/");
    if (parts.length > 2) {
        return ["a qualified name must be a name with an optional DNS subdomain prefix and one '/' (e.g. 'example.com/MyName')"];
    }
    const errs: string[] = [];
    const name = parts.length === 2 ? parts[1] : parts[0];
    if (parts.length === 2) {
        if (parts[0] === "") {
            errs.push("prefix part must be non-empty");
        } else {
            errs.push(...dns1123Subdomain(parts[0]).map((m) => `prefix part ${m}`));
        }
    }
    if (name === "") {
        errs.push("name part must be non-empty");
    } else if (bytes(name) > DNS1123_LABEL_MAX) {
        errs.push(`name part ${maxLen(DNS1123_LABEL_MAX)}`);
    }
    if (!LABEL_KEY_NAME.test(name)) {
        errs.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
    }
    return errs;
}

export function labelValue(value: string): string[] {
    const errs: string[] = [];
    if (bytes(value) > LABEL_VALUE_MAX) {
        errs.push(maxLen(LABEL_VALUE_MAX));
    }
    if (!LABEL_VALUE.test(value)) {
        errs.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
    }
    return errs;
}

/**
 * Container port names (IANA_SVC_NAME, RFC 6335, lower case only). Service port names need only be DNS-1123 labels;
 * the program holds both to this stricter rule, so a Service port can name its container port.
 */
export function portName(value: string): string[] {
    const errs: string[] = [];
    if (bytes(value) > PORT_NAME_MAX) {
        errs.push(maxLen(PORT_NAME_MAX));
    }
    if (!/^[-a-z0-9]+$/.test(value)) {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if (!/[a-z]/.test(value)) {
        errs.push("must contain at least one letter (a-z)");
    }
    if (value.includes("--")) {
        errs.push("must not contain consecutive hyphens");
    }
    if (value.startsWith("-") || value.endsWith("-")) {
        errs.push("must not begin or end with a hyphen");
    }
    return errs;
}

/** Annotation keys are qualified names compared case-insensitively; the whole map is at most 256 KiB. */
export function annotations(map: Readonly<Record<string, string>>): { key?: string; errors: string[] }[] {
    const out: { key?: string; errors: string[] }[] = [];
    let total = 0;
    for (const [k, v] of Object.entries(map)) {
        total += bytes(k) + bytes(v);
        const errors = qualifiedName(k.toLowerCase());
        if (errors.length > 0) {
            out.push({ key: k, errors });
        }
    }
    if (total > ANNOTATIONS_TOTAL_MAX) {
        out.push({ errors: [`annotations add up to ${total} bytes, more than Kubernetes' limit of ${ANNOTATIONS_TOTAL_MAX}`] });
    }
    return out;
}

/** The rules by the name messages and fixes use. */
export const K8S_RULES = {
    "DNS-1123 label": { check: dns1123Label, example: "data-platform" },
    "DNS-1123 subdomain": { check: dns1123Subdomain, example: "portal-services" },
    "DNS-1035 label": { check: dns1035Label, example: "portal-services" },
    "qualified name": { check: qualifiedName, example: "example.com/team" },
    "label value": { check: labelValue, example: "kube-prometheus-stack" },
    "port name (IANA_SVC_NAME)": { check: portName, example: "http-metrics" },
} as const;
export type K8sRule = keyof typeof K8S_RULES;

/** Records one problem when `value` breaks the rule, naming the rule, apimachinery's reasons and an example. */
export function checkK8sName(problems: Problems, path: string, value: string, rule: K8sRule): boolean {
    const { check, example } = K8S_RULES[rule];
    const errors = check(value);
    if (errors.length > 0) {
        problems.add(path, value, `is not a valid Kubernetes ${rule}: ${errors.join("; ")}`, `rename it to a ${rule} such as ${example}`);
    }
    return errors.length === 0;
}

/**
 * protobuf's google.protobuf.Duration (duration.proto): seconds within ±315,576,000,000 (10,000 years). Istio and
 * Envoy carry every timeout as one, so a longer one is refused by the API server's schema or by istiod.
 */
export const PROTOBUF_DURATION_MAX_MS = 315_576_000_000 * 1000;

/** Kafka keeps retention.ms in a Java long (Long.MAX_VALUE); the model also keeps it exact in a JS number. */
export const JAVA_LONG_MAX = 9_223_372_036_854_775_807n;
