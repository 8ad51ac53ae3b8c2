/**
 * `npm run bench`: evaluates the cell program under Pulumi's mocks (a stand-in for the engine) for
 * growing rosters, each in a fresh process so peak memory is the run's own, and prints a table.
 * Goal: 1,000 workers in under 3 s and 400 MB; 5,000 within 5.5 times the 1,000-worker time.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

interface Sample {
  workers: number;
  resources: number;
  ms: number;
  rssMb: number;
}

const sizes = (process.env.BENCH_SIZES ?? "100,1000,5000").split(",").map(Number);
const once = path.join(__dirname, "program-once.ts");

function measure(workers: number): Sample {
  const out = execFileSync(process.execPath, ["--import", "tsx", once, String(workers)], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

const samples = sizes.map(measure);
console.log("program evaluation under mocks (stand-in engine)");
console.log("workers | resources | wall time (s) | peak RSS (MB)");
console.log("------- | --------- | ------------- | -------------");
for (const s of samples) {
  const cols = [s.workers, s.resources, (s.ms / 1000).toFixed(2), s.rssMb.toFixed(0)];
  console.log(cols.map(String).join(" | "));
}
const at = (n: number) => samples.find((s) => s.workers === n);
const [k1, k5] = [at(1000), at(5000)];
if (k1 && k5)
  console.log(`growth 1,000 -> 5,000 workers: ${(k5.ms / k1.ms).toFixed(2)}x (goal <= 5.5x)`);
