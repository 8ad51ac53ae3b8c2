/** Shared tail of every cell-tools command: one sentence on failure, never a stack trace. */
import { OpsError } from "./errors";

export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${message}\n`);
      process.exitCode = error instanceof OpsError ? 2 : 1;
    },
  );
}
