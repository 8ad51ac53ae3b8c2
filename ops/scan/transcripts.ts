/**
 * Reads new transcript events from a worker's OpenClaw agent database without disturbing the worker.
 * The file is opened read-only and `immutable`, so SQLite takes no lock and writes no `-shm`. While the
 * worker has un-checkpointed writes in its `-wal`, an immutable open would not see them; then the main file
 * and the WAL are copied into a private directory and the copy is read instead.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import zlib from "node:zlib";
import { OpsError } from "../errors";

export interface TranscriptEvent {
  sessionId: string;
  sessionKey: string | null;
  seq: number;
  json: string | null;
}

interface Statement {
  all(...params: unknown[]): Array<Record<string, unknown>>;
}
interface Database {
  prepare(sql: string): Statement;
  close(): void;
}
type DatabaseCtor = new (path: string | URL, options?: { readOnly?: boolean }) => Database;

/** `node:sqlite` ships with Node 24 (the cell-tools image); the host's older Node has none. */
function sqlite(): DatabaseCtor {
  try {
    return (require("node:sqlite") as { DatabaseSync: DatabaseCtor }).DatabaseSync;
  } catch {
    throw new OpsError(
      `Node ${process.version} has no node:sqlite; run the scanner with Node 24 (the cell-tools image).`,
    );
  }
}

const zstdDecompress = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer })
  .zstdDecompressSync;

function decodeBody(row: Record<string, unknown>): string | null {
  if (typeof row.event_json === "string") return row.event_json;
  if (row.event_zstd instanceof Uint8Array && zstdDecompress) {
    return zstdDecompress(row.event_zstd).toString("utf8");
  }
  return null;
}

function openQuietly(path: string): { db: Database; cleanup: () => void } {
  const DatabaseSync = sqlite();
  const wal = `${path}-wal`;
  if (!existsSync(wal) || statSync(wal).size === 0) {
    const url = new URL(`file://${path}`);
    url.searchParams.set("mode", "ro");
    url.searchParams.set("immutable", "1");
    return { db: new DatabaseSync(url, { readOnly: true }), cleanup: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), "iw-scan-"));
  const copy = join(dir, "agent.sqlite");
  copyFileSync(path, copy);
  copyFileSync(wal, `${copy}-wal`);
  return {
    db: new DatabaseSync(copy),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Events past each session's cursor, oldest first, at most `limit` per session per run (the next run
 * continues where this one stopped).
 */
export function readNewEvents(
  path: string,
  cursors: Record<string, number>,
  limit = 5000,
): TranscriptEvent[] {
  const { db, cleanup } = openQuietly(path);
  try {
    const columns = new Set(
      db
        .prepare("PRAGMA table_info(transcript_events)")
        .all()
        .map((c) => c.name),
    );
    const body = columns.has("event_zstd") ? "e.event_json, e.event_zstd" : "e.event_json";
    const sessions = db
      .prepare("SELECT session_id, max(seq) AS last FROM transcript_events GROUP BY session_id")
      .all();
    const events: TranscriptEvent[] = [];
    const select = db.prepare(
      `SELECT e.session_id, w.session_key, e.seq, ${body} FROM transcript_events e
       LEFT JOIN session_windows w ON w.session_id = e.session_id
       WHERE e.session_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`,
    );
    for (const session of sessions) {
      const id = String(session.session_id);
      const after = cursors[id] ?? -1;
      if (Number(session.last) <= after) continue;
      for (const row of select.all(id, after, limit)) {
        events.push({
          sessionId: id,
          sessionKey: row.session_key === null ? null : String(row.session_key),
          seq: Number(row.seq),
          json: decodeBody(row),
        });
      }
    }
    return events;
  } finally {
    db.close();
    cleanup();
  }
}
