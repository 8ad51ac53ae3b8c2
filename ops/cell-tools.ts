/**
 * Entry point of the cell-tools image: `cell-tools monitor <name> …` or `cell-tools purge …`.
 * The image bundles this file with its imports into one script (images/cell-tools/build.sh).
 */
import { runCli } from "./cli-support";
import { OpsError } from "./errors";
import { monitorMain } from "./monitor";
import { purgeMain } from "./purge";

runCli(async () => {
  const [tool, ...rest] = process.argv.slice(2);
  if (tool === "monitor") return monitorMain(rest);
  if (tool === "purge") return purgeMain(rest);
  throw new OpsError(`Tool \`${tool ?? ""}\` is unknown; accepted: monitor, purge.`);
});
