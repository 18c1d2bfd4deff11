/**
 * tsx scripts/helm-keys.ts <values.yaml> <chart> <version> <source-url> [--under KEY] [--free-form KEY,KEY...]
 * Lists the value keys a chart version documents (its values.yaml), one dotted path a line, into
 * validation/helm-values/<chart>-<version>.keys. A path ending in `.*` is a free-form map (`{}` in values.yaml).
 * `--free-form` marks keys that values.yaml leaves empty or commented out but the chart's templates render whole
 * (`toYaml .Values.<key>`), so any map below them is the chart's documented use (e.g. jaeger's `userconfig`).
 * Run by hand when a chart version changes; the list is committed, the chart is not.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

function flatten(value: unknown, prefix: string, out: Set<string>): void {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length === 0 && prefix !== "") {
            out.add(`${prefix}.*`);
            return;
        }
        for (const [k, v] of entries) {
            flatten(v, prefix === "" ? k : `${prefix}.${k}`, out);
        }
        return;
    }
    out.add(prefix);
}

const [file, chart, version, source] = process.argv.slice(2);
const underIdx = process.argv.indexOf("--under");
let doc = YAML.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
if (underIdx > 0) {
    const key = process.argv[underIdx + 1];
    doc = { ...(doc[key] as Record<string, unknown>), ...Object.fromEntries(Object.entries(doc).filter(([k]) => k !== key)) };
}
const keys = new Set<string>();
flatten(doc, "", keys);
const freeIdx = process.argv.indexOf("--free-form");
const freeForm = freeIdx > 0 ? process.argv[freeIdx + 1].split(",").filter((k) => k !== "") : [];
for (const key of freeForm) {
    keys.delete(key);
    keys.add(`${key}.*`);
}
const target = path.join(__dirname, "..", "validation", "helm-values", `${chart}-${version}.keys`);
const freeNote = freeForm.length > 0 ? `# rendered whole by the chart's templates (toYaml), so free-form: ${freeForm.join(", ")}\n` : "";
fs.writeFileSync(target, `# ${chart} ${version}: keys documented in ${source}\n${freeNote}${[...keys].sort().join("\n")}\n`);
console.log(`${keys.size} keys → ${path.relative(process.cwd(), target)}`);
