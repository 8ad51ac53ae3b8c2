/**
 * The level-triggered loop. Events only mark cells dirty; this loop runs the program for a dirty cell
 * when the cell is ready, at most one run per cell and `maxParallel` runs in all. A run clears the mark
 * only if no event arrived while it ran, so any number of events during a run become one follow-up.
 */
import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import type { DirtyCell, Journal } from "./journal";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import { type CellRunner, DeletionGuardRefusal, failureSummary } from "./pulumi-runner";

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export interface ReconcilerOptions {
  journal: Journal;
  runner: CellRunner;
  /** The cells this deployer owns; each gets a periodic full reconcile. */
  cells: string[];
  maxParallel: number;
  /** How long the first event of a burst waits for its siblings before a run starts. */
  settleMs: number;
  /** Least time between the starts of two runs of one cell, so a stream of signups batches up. */
  minRunIntervalMs: number;
  backoff: BackoffPolicy;
  fullReconcileMs: number;
  /** Mark every cell for a full run at start, catching events missed while the deployer was down. */
  reconcileOnStart: boolean;
  log: Logger;
  metrics: Metrics;
  random?: () => number;
  now?: () => number;
}

/** Exponential with "equal jitter": half the ceiling is fixed, the other half random. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number) {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export class Reconciler {
  private readonly running = new Map<string, Promise<void>>();
  private readonly lastFull = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private periodic?: NodeJS.Timeout;
  private stopped = false;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly o: ReconcilerOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
  }

  start(): void {
    const now = this.now();
    const interrupted = this.o.journal.recoverInterrupted(now);
    if (interrupted.length) this.o.log.warn("resuming cells a crash interrupted", { interrupted });
    for (const cell of this.o.cells) {
      this.lastFull.set(cell, now);
      if (this.o.reconcileOnStart) this.o.journal.markDirty(cell, now, true);
    }
    const every = Math.min(this.o.fullReconcileMs, 60_000);
    this.periodic = setInterval(() => this.markDueCells(), every);
    this.periodic.unref();
    this.wake(0);
  }

  /** Called after an event was journaled. */
  notify(): void {
    this.wake(0);
  }

  /** Stops starting runs and waits for the ones in flight; a Pulumi update is never cut short here. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.periodic);
    await Promise.all(this.running.values());
  }

  get runningCells(): string[] {
    return [...this.running.keys()];
  }

  private markDueCells(): void {
    const now = this.now();
    for (const cell of this.o.cells) {
      if (now - (this.lastFull.get(cell) ?? now) < this.o.fullReconcileMs) continue;
      this.lastFull.set(cell, now);
      this.o.journal.markDirty(cell, now, true);
    }
    this.wake(0);
  }

  private wake(delayMs: number): void {
    if (this.stopped) return;
    const at = this.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tick();
    }, delayMs);
  }

  private tick(): void {
    if (this.stopped) return;
    const now = this.now();
    const dirty = this.o.journal.dirtyCells();
    let nextAt = Infinity;
    for (const cell of dirty) {
      // A cell already running gets its follow-up when that run ends and wakes the loop.
      if (this.running.has(cell.cell)) continue;
      const readyAt = this.readyAt(cell);
      if (readyAt > now) {
        nextAt = Math.min(nextAt, readyAt);
        continue;
      }
      if (this.running.size >= this.o.maxParallel) break;
      this.launch(cell);
    }
    this.o.metrics.set("deployer_dirty_cells", "Cells waiting for a run.", dirty.length);
    this.o.metrics.set("deployer_runs_in_progress", "Runs in flight.", this.running.size);
    if (nextAt < Infinity) this.wake(nextAt - now);
  }

  private readyAt(cell: DirtyCell): number {
    const lastStart = this.o.journal.lastRunStart(cell.cell) ?? -Infinity;
    return Math.max(
      cell.firstDirtyAt + this.o.settleMs,
      cell.nextAttemptAt,
      lastStart + this.o.minRunIntervalMs,
    );
  }

  private launch(cell: DirtyCell): void {
    const attempt = cell.attempts + 1;
    const trigger = cell.full ? "reconcile" : "event";
    const runId = this.o.journal.startRun(cell.cell, trigger, attempt, this.now());
    this.o.log.info("run started", { cell: cell.cell, run: runId, trigger, attempt });
    const done = this.execute(cell, runId, attempt).finally(() => {
      this.running.delete(cell.cell);
      this.wake(0);
    });
    this.running.set(cell.cell, done);
  }

  private async execute(cell: DirtyCell, runId: number, attempt: number): Promise<void> {
    const { journal, log, metrics } = this.o;
    const started = this.now();
    let state: string;
    try {
      const outcome = await this.o.runner.run({ cell: cell.cell, refresh: cell.full });
      state = outcome.state;
      journal.finishRun(runId, outcome, this.now());
      const clean = journal.clearDirty(cell.cell, cell.generation);
      log.info("run finished", { cell: cell.cell, run: runId, state, targets: outcome.targets });
      if (!clean)
        log.info("events arrived during the run; a follow-up run is due", { cell: cell.cell });
    } catch (err) {
      state = this.recordFailure(cell, runId, attempt, err);
    }
    metrics.inc("deployer_runs_total", "Runs finished, by outcome.", { state });
    metrics.observe(
      "deployer_run_seconds",
      "Duration of runs.",
      [1, 5, 15, 30, 60, 120, 300, 600, 1800],
      (this.now() - started) / 1000,
    );
  }

  private recordFailure(cell: DirtyCell, runId: number, attempt: number, err: unknown): string {
    const { journal, log } = this.o;
    const message = failureSummary(err);
    if (err instanceof DeletionGuardRefusal) {
      // Not retried: the same roster would trip the guard again. A new event or reconcile retries.
      journal.finishRun(runId, { state: "refused", message }, this.now());
      journal.clearDirty(cell.cell, cell.generation);
      log.error("run refused by the deletion guard", { cell: cell.cell, run: runId, message });
      return "refused";
    }
    const state = err instanceof ConcurrentUpdateError ? "busy" : "failed";
    const delay = backoffDelay(attempt, this.o.backoff, this.random);
    journal.finishRun(runId, { state, message }, this.now());
    journal.deferDirty(cell.cell, cell.generation, this.now() + delay, message);
    log.warn(state === "busy" ? "stack is locked by another update" : "run failed", {
      cell: cell.cell,
      run: runId,
      attempt,
      retryInMs: delay,
      message,
    });
    return state;
  }
}
