/**
 * Benchmark, not a test: signup placement throughput with concurrent connections, and the time to load a
 * 1,000-worker roster through the read-only role. Run: node --import tsx test/roster-db/bench.ts
 */
import { performance } from "node:perf_hooks";
import { TestDatabase } from "./db";

const SIGNUPS = 1000;
const CONNECTIONS = 20;

async function main(): Promise<void> {
  const db = await TestDatabase.create();
  try {
    await db.migrate();
    await db.addCell("bench", 1007);
    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => db.connect()));
    const ids: string[] = [];
    for (let i = 0; i < SIGNUPS; i++) ids.push(await db.addSubscriber());
    const start = performance.now();
    await Promise.all(
      clients.map(async (c, k) => {
        for (let i = k; i < SIGNUPS; i += CONNECTIONS) {
          await c.query("update public.profiles set subscription_status = 'active' where id = $1", [
            ids[i],
          ]);
        }
      }),
    );
    const placing = performance.now() - start;
    await Promise.all(clients.map((c) => c.end()));

    const source = db.source("bench", await db.createReader());
    const loads: number[] = [];
    let rows = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      rows = (await source.load()).length;
      loads.push(performance.now() - t0);
    }
    loads.sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        signups: SIGNUPS,
        connections: CONNECTIONS,
        placementsPerSecond: Math.round((SIGNUPS / placing) * 1000),
        rosterRows: rows,
        rosterLoadMsMedian: Math.round(loads[2]),
        rosterLoadMsMax: Math.round(loads[4]),
      }),
    );
  } finally {
    await db.drop();
  }
}

main().catch((err: Error) => {
  console.error(`roster benchmark failed: ${err.message}`);
  process.exitCode = 1;
});
