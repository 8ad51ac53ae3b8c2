/**
 * `npm run bench`: evaluates the cell program under Pulumi's mocks (a stand-in for the engine) for
 * growing rosters, each in a fresh process so peak memory is the run's own, and prints a table. The
 * "floor" rows declare bare containers only: what the SDK itself costs, which no program can beat.
 * Goal: 1,000 workers in under 3 s and 400 MB; 5,000 within 5.5 times the 1,000-worker time.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

interface Sample {
  mode: string;
  count: number;
  resources: number;
  ms: number;
  rssMb: number;
}

const sizes = (process.env.BENCH_SIZES ?? "100,1000,5000").split(",").map(Number);
const once = path.join(__dirname, "program-once.ts");

/** Node's default heap stops near 4 GB; BENCH_HEAP_MB raises it to see how far the program goes. */
const heap = process.env.BENCH_HEAP_MB ? [`--max-old-space-size=${process.env.BENCH_HEAP_MB}`] : [];

function measure(
  mode: string,
  count: number,
): Sample | { mode: string; count: number; failed: string } {
  try {
    const args = [...heap, "--import", "tsx", once, mode, String(count)];
    const out = execFileSync(process.execPath, args, {
      encoding: "utf8",
      maxBuffer: 1 << 20,
      stdio: ["ignore", "pipe", "ignore"],
    });
    return JSON.parse(out.trim().split("\n").pop()!) as Sample;
  } catch (err) {
    const signal = (err as { signal?: string }).signal;
    return { mode, count, failed: signal === "SIGABRT" ? "out of memory" : (err as Error).message };
  }
}

const samples = [
  ...sizes.map((n) => measure("program", n)),
  ...sizes.filter((n) => n === 1000).map((n) => measure("floor", n)),
];
console.log("cell program evaluated under the SDK's mocks (a stand-in for the Pulumi engine)");
console.log("run     | workers | resources | wall time (s) | peak RSS (MB)");
console.log("------- | ------- | --------- | ------------- | -------------");
for (const s of samples) {
  if ("failed" in s) {
    console.log(`${s.mode.padEnd(7)} | ${s.count} | - | failed: ${s.failed} | -`);
    continue;
  }
  const cols = [
    s.mode.padEnd(7),
    s.count,
    s.resources,
    (s.ms / 1000).toFixed(2),
    s.rssMb.toFixed(0),
  ];
  console.log(cols.map(String).join(" | "));
}
const at = (n: number) =>
  samples.find((s): s is Sample => s.mode === "program" && s.count === n && !("failed" in s));
const [k1, k5] = [at(1000), at(5000)];
if (k1 && k5)
  console.log(`growth 1,000 -> 5,000 workers: ${(k5.ms / k1.ms).toFixed(2)}x (goal <= 5.5x)`);
