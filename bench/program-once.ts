/**
 * One measured evaluation under mocks; prints a JSON line for bench/run.ts. `program N` runs the cell
 * program with N workers; `floor N` declares N bare docker.Container resources and nothing else, the
 * SDK's own cost per container under the same mocks, so the program's figures can be read against it.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { rosterOf } from "../test/program/fixtures";
import { declareCellUnderMocks } from "../test/support/cell";

async function program(workers: number): Promise<number> {
  // A /19 holds 8,174 slots; the default /22 stops at 1,007, which is what a real cell is sized for.
  const network = { workersSubnet: "10.200.0.0/19" };
  const run = await declareCellUnderMocks({ roster: rosterOf(workers), config: { network } });
  return run.resources.length;
}

async function floor(containers: number): Promise<number> {
  let registered = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => ((registered += 1), { id: `${a.name}-id`, state: a.inputs }),
      call: () => ({}),
    },
    "bench",
    "floor",
    false,
    "organization",
  );
  // Declared as the program declares (lib/cell.ts), without per-promise stack traces.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  for (let i = 0; i < containers; i++) {
    new docker.Container(`c${i}`, { name: `c${i}`, image: "x:1" });
  }
  Error.stackTraceLimit = limit;
  while (registered < containers) await new Promise((r) => setTimeout(r, 5));
  return registered;
}

async function main(): Promise<void> {
  const [mode, count] = [process.argv[2], Number(process.argv[3])];
  const started = process.hrtime.bigint();
  const resources = mode === "floor" ? await floor(count) : await program(count);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ mode, count, resources, ms, rssMb }));
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
