import * as fs from "fs";
import * as path from "path";
import { Problems } from "./errors";

/**
 * Reading the model's input files (catalogs, schemas). A file that cannot be read or parsed is one more problem of
 * the one validation pass, named by its path. The message never quotes the file's content: a catalog path may point
 * at any file, and V8's JSON errors echo the text around the error.
 */

/** Line and column of a character offset, for messages that must not quote the text itself. */
function lineColumn(text: string, offset: number): string {
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    return `line ${line}, column ${offset - before.lastIndexOf("\n")}`;
}

/** Where in `text` V8's JSON.parse failed, without the quoted snippet V8 puts in its message. */
export function jsonErrorWhere(text: string, error: Error): string {
    const m = /position (\d+)/.exec(error.message);
    if (m) {
        return `at ${lineColumn(text, Number(m[1]))}`;
    }
    if (/Unexpected end of JSON input/.test(error.message) || text.trim() === "") {
        return "(it ends too early)";
    }
    const token = /Unexpected token '(.)'/.exec(error.message);
    if (token) {
        const at = text.indexOf(token[1]);
        return at >= 0 ? `at ${lineColumn(text, at)}` : "";
    }
    return "";
}

/** Parses a JSON file; records a problem at `where` (and returns undefined) when it cannot be read or parsed. */
export function readJsonFile(file: string, where: string, problems: Problems, fix: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        problems.add(where, file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, fix);
        return undefined;
    }
    try {
        return JSON.parse(text);
    } catch (e) {
        problems.add(where, file, `is not valid JSON ${jsonErrorWhere(text, e as Error)}`.trim(), "fix the JSON syntax there (a JSON validator shows the exact spot)");
        return undefined;
    }
}

/** The file's real path (symbolic links followed), or the path itself when it does not exist. */
export function realPath(file: string): string {
    try {
        return fs.realpathSync(file);
    } catch {
        return file;
    }
}

/** Whether `file` (absolute) lies inside `root`. */
export function isInside(root: string, file: string): boolean {
    const rel = path.relative(root, file);
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}
