/**
 * Starts the gatekeeper: reads its settings, loads the host map, re-reads the map whenever the cell
 * program pushes a new one, and stops cleanly on SIGTERM. A bad setting stops it with one sentence.
 */
import { loadConfig } from "./config";
import { HostMapFile } from "./hosts";
import { jsonLogger } from "./log";
import { createGatekeeper } from "./server";

function main(): void {
  const config = loadConfig(process.env);
  let log = jsonLogger({ service: "gatekeeper" });
  const hosts = new HostMapFile(config.hostsFile, (result) => {
    if (result instanceof Error) log("hosts-reload-failed", { error: result.message });
    else log("hosts-reloaded", { workers: result.byHost.size });
  });
  log = jsonLogger({ service: "gatekeeper", cell: hosts.current.cell });
  const poll = setInterval(() => hosts.check(), config.hostsPollMs);
  process.on("SIGHUP", () => hosts.check());

  const server = createGatekeeper({ config, hosts: () => hosts.current, log });
  server.keepAliveTimeout = 65_000;
  server.listen(config.listenPort, config.listenHost, () => {
    log("started", {
      listen: `${config.listenHost}:${config.listenPort}`,
      workers: hosts.current.byHost.size,
    });
  });
  process.on("SIGTERM", () => {
    clearInterval(poll);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}

try {
  main();
} catch (error) {
  process.stderr.write(`gatekeeper: ${(error as Error).message}\n`);
  process.exit(78);
}
