/**
 * A reconciler wired to a real journal in a temp directory and the STAND-IN Pulumi CLI, with short
 * timings so behaviour that takes minutes in production shows in a second.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Journal } from "../../src/journal";
import { silentLogger } from "../../src/log";
import { Metrics } from "../../src/metrics";
import { AutomationRunner } from "../../src/pulumi-runner";
import { Reconciler, type ReconcilerOptions } from "../../src/reconciler";
import { ORG, type Scenario, Standin, WORKER_TYPE } from "./standin";

export interface Harness {
  standin: Standin;
  journal: Journal;
  reconciler: Reconciler;
  metrics: Metrics;
  /** Journals one event for these cells, as an accepted webhook would, and wakes the reconciler. */
  event(id: string, ...cells: string[]): void;
  close(): Promise<void>;
}

export async function harness(
  scenario: Scenario,
  options: Partial<ReconcilerOptions> & { maxWorkerDeletes?: number } = {},
): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iw-deployer-test-"));
  const standin = new Standin(scenario);
  const journal = new Journal(path.join(dir, "journal.sqlite"));
  const metrics = new Metrics();
  const runner = new AutomationRunner({
    pulumiCommand: await standin.command(),
    org: ORG,
    workDir: standin.root,
    workerType: WORKER_TYPE,
    maxWorkerDeletes: options.maxWorkerDeletes ?? 5,
  });
  const reconciler = new Reconciler({
    journal,
    runner,
    cells: ["cell-a", "cell-b"],
    maxParallel: 2,
    settleMs: 50,
    minRunIntervalMs: 0,
    backoff: { baseMs: 200, maxMs: 5_000 },
    fullReconcileMs: 3_600_000,
    reconcileOnStart: false,
    log: silentLogger,
    metrics,
    ...options,
  });
  reconciler.start();
  return {
    standin,
    journal,
    reconciler,
    metrics,
    event(id, ...cells) {
      journal.recordEvent(
        { id, source: "supabase", type: "UPDATE", subject: id, cells },
        Date.now(),
      );
      reconciler.notify();
    },
    async close() {
      await reconciler.stop();
      journal.close();
      standin.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
