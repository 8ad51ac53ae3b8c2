/**
 * The host map: which user owns which worker hostname. The cell program renders it from the roster and
 * pushes it to the host; the gatekeeper re-reads it when it changes, so a signup needs no restart.
 */
import { readFileSync, statSync } from "node:fs";
import { HOST_PATTERN as HOST, SLUG_PATTERN as SLUG, UUID_PATTERN as UUID } from "./patterns";

export interface HostEntry {
  host: string;
  slug: string;
  userId: string;
}

export interface HostMap {
  cell: string;
  byHost: Map<string, HostEntry>;
}

/** Pure: the file's text, sorted by host so an unchanged roster renders the same bytes. */
export function renderHostMap(cell: string, entries: HostEntry[]): string {
  const sorted = [...entries].sort((a, b) => a.host.localeCompare(b.host));
  parseHostMap(JSON.stringify({ cell, workers: sorted }));
  return `${JSON.stringify({ cell, workers: sorted }, null, 2)}\n`;
}

/** Throws one sentence naming the first bad value; a bad file never replaces a good map. */
export function parseHostMap(text: string): HostMap {
  const raw: unknown = JSON.parse(text);
  const doc = raw as { cell?: unknown; workers?: unknown };
  if (typeof doc?.cell !== "string" || !Array.isArray(doc.workers)) {
    throw new Error("the host map is not an object with `cell` (a name) and `workers` (a list)");
  }
  const byHost = new Map<string, HostEntry>();
  for (const [i, w] of (doc.workers as Partial<HostEntry>[]).entries()) {
    const bad = !HOST.test(String(w?.host))
      ? "host"
      : !SLUG.test(String(w?.slug))
        ? "slug"
        : !UUID.test(String(w?.userId))
          ? "userId"
          : undefined;
    if (bad) {
      const value = String((w as Record<string, unknown>)?.[bad]);
      throw new Error(`workers[${i}].${bad} \`${value}\` is not valid in the host map`);
    }
    if (byHost.has(w.host!)) throw new Error(`workers[${i}].host \`${w.host}\` appears twice`);
    byHost.set(w.host!, { host: w.host!, slug: w.slug!, userId: w.userId! });
  }
  return { cell: doc.cell, byHost };
}

/**
 * Polls the file's size and modification time. Polling, not `fs.watch`, because the file is replaced by
 * rename and arrives through a bind-mounted directory, where inotify on the old file sees nothing.
 */
export class HostMapFile {
  private stamp = "";
  current: HostMap;

  constructor(
    readonly path: string,
    private readonly onReload: (map: HostMap | Error) => void,
  ) {
    this.current = parseHostMap(readFileSync(path, "utf8"));
    this.stamp = this.readStamp();
  }

  /** Re-reads when the stamp moved; a broken file is reported and the last good map stays. */
  check(): void {
    const stamp = this.readStamp();
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    try {
      this.current = parseHostMap(readFileSync(this.path, "utf8"));
      this.onReload(this.current);
    } catch (error) {
      this.onReload(error as Error);
    }
  }

  private readStamp(): string {
    try {
      const s = statSync(this.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return "missing";
    }
  }
}
