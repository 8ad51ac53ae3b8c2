/**
 * The deployer's durable memory, one SQLite file: every accepted event (so a redelivery is recognised),
 * every run and its outcome, and the cells that still need a run. A cell stops being dirty only when a
 * run that started after its last event has finished, so a crash in the middle of a run leaves it dirty.
 */
import Database from "better-sqlite3";

export type RunState =
  "running" | "updated" | "unchanged" | "refused" | "failed" | "busy" | "interrupted";

export interface JournalEvent {
  id: string;
  source: "supabase" | "stripe";
  type: string;
  subject: string;
  cells: string[];
}

export interface DirtyCell {
  cell: string;
  /** Bumped by every event; a run clears the mark only if no event arrived while it ran. */
  generation: number;
  firstDirtyAt: number;
  /** A periodic reconcile asks for a refresh so that drift made outside Pulumi shows up too. */
  full: boolean;
  attempts: number;
  nextAttemptAt: number;
}

export interface RunRecord {
  id: number;
  cell: string;
  state: RunState;
  trigger: string;
  attempt: number;
  targets: string[] | null;
  changes: Record<string, number> | null;
  message: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface RunResult {
  state: Exclude<RunState, "running">;
  targets?: string[];
  changes?: Record<string, number>;
  message?: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY, source TEXT NOT NULL, type TEXT NOT NULL, subject TEXT NOT NULL,
  cells TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dirty_cells (
  cell TEXT PRIMARY KEY, generation INTEGER NOT NULL, first_dirty_at INTEGER NOT NULL,
  full INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, cell TEXT NOT NULL, state TEXT NOT NULL,
  trigger TEXT NOT NULL, attempt INTEGER NOT NULL, targets TEXT, changes TEXT, message TEXT,
  started_at INTEGER NOT NULL, finished_at INTEGER);
CREATE INDEX IF NOT EXISTS runs_by_cell ON runs (cell, started_at);
`;

/** Longest message kept per run: enough for the engine's sentence, not for a whole log. */
const MESSAGE_LIMIT = 2000;

export class Journal {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(path: string) {
    this.db = new Database(path);
    // WAL keeps webhook inserts fast while a reader lists runs; NORMAL still survives a process crash.
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
  }

  /** Compiles each statement once: webhook intake runs the same few thousands of times. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  close(): void {
    this.db.close();
  }

  /** Throws when the database cannot be read (the health check). */
  ping(): void {
    this.sql("SELECT 1").get();
  }

  /** Records an event and marks its cells dirty in one transaction; false when it was seen before. */
  recordEvent(event: JournalEvent, now: number): boolean {
    return this.db.transaction(() => {
      const inserted = this.sql(
        "INSERT OR IGNORE INTO events (id, source, type, subject, cells, received_at) " +
          "VALUES (?, ?, ?, ?, ?, ?)",
      ).run(event.id, event.source, event.type, event.subject, JSON.stringify(event.cells), now);
      if (inserted.changes === 0) return false;
      for (const cell of event.cells) this.markDirty(cell, now, false);
      return true;
    })();
  }

  markDirty(cell: string, now: number, full: boolean): void {
    // A new event resets the retry clock: the input changed, so the next attempt may well succeed.
    this.sql(
      `INSERT INTO dirty_cells (cell, generation, first_dirty_at, full) VALUES (?, 1, ?, ?)
         ON CONFLICT (cell) DO UPDATE SET generation = generation + 1, full = full OR excluded.full,
           attempts = 0, next_attempt_at = 0`,
    ).run(cell, now, full ? 1 : 0);
  }

  dirtyCells(): DirtyCell[] {
    const rows = this.sql("SELECT * FROM dirty_cells ORDER BY first_dirty_at").all() as {
      cell: string;
      generation: number;
      first_dirty_at: number;
      full: number;
      attempts: number;
      next_attempt_at: number;
    }[];
    return rows.map((r) => ({
      cell: r.cell,
      generation: r.generation,
      firstDirtyAt: r.first_dirty_at,
      full: r.full === 1,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
    }));
  }

  /** Clears the mark unless an event arrived during the run; returns whether the cell is clean now. */
  clearDirty(cell: string, generation: number): boolean {
    const res = this.sql("DELETE FROM dirty_cells WHERE cell = ? AND generation = ?").run(
      cell,
      generation,
    );
    return res.changes === 1;
  }

  /** Keeps the cell dirty and schedules the next attempt, unless an event already reset the clock. */
  deferDirty(cell: string, generation: number, nextAttemptAt: number, error: string): void {
    this.sql(
      `UPDATE dirty_cells SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
         WHERE cell = ? AND generation = ?`,
    ).run(nextAttemptAt, error.slice(0, MESSAGE_LIMIT), cell, generation);
  }

  startRun(cell: string, trigger: string, attempt: number, now: number): number {
    const res = this.sql(
      "INSERT INTO runs (cell, state, trigger, attempt, started_at) VALUES (?, 'running', ?, ?, ?)",
    ).run(cell, trigger, attempt, now);
    return Number(res.lastInsertRowid);
  }

  finishRun(id: number, result: RunResult, now: number): void {
    this.sql(
      "UPDATE runs SET state = ?, targets = ?, changes = ?, message = ?, finished_at = ? WHERE id = ?",
    ).run(
      result.state,
      result.targets ? JSON.stringify(result.targets) : null,
      result.changes ? JSON.stringify(result.changes) : null,
      result.message?.slice(0, MESSAGE_LIMIT) ?? null,
      now,
      id,
    );
  }

  /**
   * Marks runs a crash cut short as interrupted and their cells dirty again. The dirty mark normally
   * survives anyway; re-marking also covers a crash between clearing it and finishing the run record.
   */
  recoverInterrupted(now: number): string[] {
    return this.db.transaction(() => {
      const rows = this.sql("SELECT DISTINCT cell FROM runs WHERE state = 'running'").all();
      const cells = (rows as { cell: string }[]).map((r) => r.cell);
      this.sql(
        "UPDATE runs SET state = 'interrupted', finished_at = ?, " +
          "message = 'the deployer stopped before this run finished' WHERE state = 'running'",
      ).run(now);
      for (const cell of cells) this.markDirty(cell, now, false);
      return cells;
    })();
  }

  lastRunStart(cell: string): number | undefined {
    const row = this.sql("SELECT MAX(started_at) AS t FROM runs WHERE cell = ?").get(cell) as {
      t: number | null;
    };
    return row.t ?? undefined;
  }

  recentRuns(limit: number, cell?: string): RunRecord[] {
    const rows = (
      cell
        ? this.sql("SELECT * FROM runs WHERE cell = ? ORDER BY id DESC LIMIT ?").all(cell, limit)
        : this.sql("SELECT * FROM runs ORDER BY id DESC LIMIT ?").all(limit)
    ) as Record<string, unknown>[];
    return rows.map(toRunRecord);
  }

  eventCount(): number {
    return (this.sql("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n;
  }
}

function toRunRecord(r: Record<string, unknown>): RunRecord {
  return {
    id: r.id as number,
    cell: r.cell as string,
    state: r.state as RunState,
    trigger: r.trigger as string,
    attempt: r.attempt as number,
    targets: r.targets ? (JSON.parse(r.targets as string) as string[]) : null,
    changes: r.changes ? (JSON.parse(r.changes as string) as Record<string, number>) : null,
    message: (r.message as string | null) ?? null,
    startedAt: r.started_at as number,
    finishedAt: (r.finished_at as number | null) ?? null,
  };
}
