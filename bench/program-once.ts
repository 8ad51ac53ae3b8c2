/** One measured evaluation of the cell program under mocks; prints a JSON line for bench/run.ts. */
import { declareCellUnderMocks } from "../test/support/cell";
import { rosterOf } from "../test/program/fixtures";

async function main(): Promise<void> {
  const workers = Number(process.argv[2]);
  const roster = rosterOf(workers);
  const started = process.hrtime.bigint();
  const run = await declareCellUnderMocks({ roster });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ workers, resources: run.resources.length, ms, rssMb }));
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
