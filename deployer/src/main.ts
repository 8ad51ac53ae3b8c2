/**
 * Starts the deployer: journal, pinned Pulumi CLI, reconciler, HTTP server. It holds credentials for
 * every cell, so it runs on its own small host or a CI runner, never on a cell host (docs/deployer.md).
 */
import type { AddressInfo } from "node:net";
import { ConfigError, type DeployerConfig, readConfig } from "./config";
import { createDeployerServer } from "./http";
import { Journal } from "./journal";
import { type Logger, jsonLogger } from "./log";
import { Metrics } from "./metrics";
import { AutomationRunner, pinnedPulumi } from "./pulumi-runner";
import { Reconciler } from "./reconciler";

export interface RunningDeployer {
  port: number;
  stop(): Promise<void>;
}

export async function startDeployer(config: DeployerConfig, log: Logger): Promise<RunningDeployer> {
  const journal = new Journal(config.journalPath);
  const metrics = new Metrics();
  const pulumiCommand = await pinnedPulumi(
    config.pulumiRoot,
    config.pulumiVersion,
    config.installPulumi,
  );
  const runner = new AutomationRunner({
    pulumiCommand,
    org: config.org,
    workDir: config.programDir,
    workerType: config.workerType,
    maxWorkerDeletes: config.maxWorkerDeletes,
  });
  const reconciler = new Reconciler({
    journal,
    runner,
    cells: config.cells,
    maxParallel: config.maxParallel,
    settleMs: config.settleMs,
    minRunIntervalMs: config.minRunIntervalMs,
    backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
    fullReconcileMs: config.fullReconcileMs,
    reconcileOnStart: config.reconcileOnStart,
    log,
    metrics,
  });
  const server = createDeployerServer({ ...config, journal, reconciler, metrics, log });
  // Slow senders must not hold connections open: a webhook body arrives in well under this.
  server.requestTimeout = 30_000;
  reconciler.start();
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const port = (server.address() as AddressInfo).port;
  log.info("deployer listening", { host: config.host, port, cells: config.cells });
  return {
    port,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await reconciler.stop();
      journal.close();
    },
  };
}

async function main(): Promise<void> {
  const log = jsonLogger();
  let config: DeployerConfig;
  try {
    config = readConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`the deployer cannot start:\n${err.message}\n`);
    process.exit(2);
  }
  const deployer = await startDeployer(config, log);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log.info("stopping: no new runs; waiting for runs in flight", { signal });
      void deployer.stop().then(() => process.exit(0));
    });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `the deployer stopped: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
