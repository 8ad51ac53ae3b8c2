/** The roster read from a YAML or JSON file: the dev stack's source, same contract as the database view. */
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { RosterError, type RosterSource } from "./types";

export class FileRosterSource implements RosterSource {
  constructor(private readonly path: string) {}

  describe(): string {
    return this.path;
  }

  async load(): Promise<unknown[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
      throw new RosterError([`the roster file ${this.path} cannot be read (${code})`]);
    }
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (err) {
      const detail = (err as Error).message.split("\n")[0];
      throw new RosterError([`the roster file ${this.path} is not valid YAML: ${detail}`]);
    }
    const rows = (doc as { workers?: unknown } | null)?.workers;
    if (!Array.isArray(rows)) {
      throw new RosterError([`the roster file ${this.path} must hold a \`workers:\` list of rows`]);
    }
    return rows;
  }
}
