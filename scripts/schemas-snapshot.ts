/**
 * Records the current version of every topic schema under schemas/history/<full name>/v<N>.avsc when it differs
 * (canonical form) from the latest snapshot, after checking it against every earlier version at its family's
 * compatibility level (catalog/topics.json, FULL_TRANSITIVE: the same gate the tests run and the registry applies)
 * and that every enum has a default symbol. Run it in the change that edits a schema:
 *
 *   npx tsx scripts/schemas-snapshot.ts          # write new snapshots
 *   npx tsx scripts/schemas-snapshot.ts --check  # only report; exit 1 when a snapshot is missing or the gate fails
 */
import * as fs from "fs";
import * as path from "path";
import { compatibilityOf, loadTopicCatalog } from "../model/events";
import { checkCompatibility, enumsWithoutDefault, formatGateFailures } from "../producer/compat";
import { HISTORY_DIR, SchemaSet, standaloneSchema } from "../producer/schemas";

function main(): number {
    const check = process.argv.includes("--check");
    const set = SchemaSet.load();
    const catalog = loadTopicCatalog();
    let missing = 0;
    let failed = false;
    for (const name of enumsWithoutDefault(set)) {
        console.error(`${name}: enum without a default symbol; add "default": "<one of its symbols>" (what readers use for a symbol they do not know)`);
        failed = true;
    }
    for (const topic of catalog.topics) {
        const current = set.currentVersion(topic.schema);
        const history = set.history(topic.schema);
        const failures = checkCompatibility(topic.schema, current.type, history, compatibilityOf(catalog, topic.schema));
        if (failures.length > 0) {
            console.error(formatGateFailures(failures));
            failed = true;
            continue;
        }
        const last = history[history.length - 1];
        if (last !== undefined && last.fingerprint === current.fingerprint) {
            continue;
        }
        missing++;
        const file = path.join(set.dir, HISTORY_DIR, topic.schema, `v${current.version}.avsc`);
        if (check) {
            console.error(`${topic.schema}: changed since its last snapshot; record it as ${path.relative(process.cwd(), file)}`);
        } else {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, `${JSON.stringify(standaloneSchema(current.type), null, 2)}\n`);
            console.log(`wrote ${path.relative(process.cwd(), file)}`);
        }
    }
    if (failed) {
        return 1;
    }
    if (check && missing > 0) {
        return 1;
    }
    console.log(check ? "every topic schema is snapshotted and compatible" : `${missing} snapshot(s) written`);
    return 0;
}

process.exitCode = main();
