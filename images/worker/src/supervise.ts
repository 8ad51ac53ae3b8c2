/**
 * Runs the worker's processes side by side and ends the container as soon as one of them ends: Docker's
 * restart policy then starts a clean worker, instead of a gateway running without its display or a
 * display without its gateway.
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export type Log = (event: string, fields?: Record<string, unknown>) => void;

/** How long children get after SIGTERM before SIGKILL; OpenClaw's own drain budget is minutes. */
const GRACE_MS = 5_000;

/** Starts every process; resolves with the exit code the container should end with. */
export function supervise(specs: ProcessSpec[], log: Log): Promise<number> {
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  return new Promise((resolve) => {
    const stopAll = (code: number) => {
      if (stopping) return;
      stopping = true;
      for (const child of children.values()) child.kill("SIGTERM");
      const timer = setTimeout(() => {
        for (const child of children.values()) child.kill("SIGKILL");
      }, GRACE_MS);
      timer.unref();
      const wait = () => (children.size === 0 ? resolve(code) : setTimeout(wait, 100));
      wait();
    };
    for (const spec of specs) {
      const child = spawn(spec.command, spec.args, {
        env: spec.env ?? process.env,
        stdio: ["ignore", "inherit", "inherit"],
      });
      children.set(spec.name, child);
      log("process-started", { process: spec.name, pid: child.pid });
      const ended = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        // `error` and `exit` may both fire for one child; only the first counts.
        if (!children.delete(spec.name)) return;
        log(stopping ? "process-stopped" : "process-died", {
          process: spec.name,
          code,
          signal,
          ...(error ? { error: error.message } : {}),
        });
        stopAll(1);
      };
      child.on("exit", (code, signal) => ended(code, signal));
      child.on("error", (error) => ended(null, null, error));
    }
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.on(signal, () => {
        log("stop-requested", { signal });
        stopAll(0);
      });
    }
  });
}
