/**
 * Prints what the dev cell declares, evaluated under the SDK's mocks (a stand-in for the Pulumi engine),
 * which `scripts/dev.sh` shows, with the policy pack's verdict, where no Pulumi CLI is installed.
 */
import { declareCellUnderMocks } from "../test/support/cell";

async function main(): Promise<void> {
  const run = await declareCellUnderMocks({ stack: "dev" });
  const counts = new Map<string, number>();
  for (const r of run.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  for (const [type, n] of [...counts].sort()) console.log(`  ${String(n).padStart(4)}  ${type}`);
  console.log(`  running workers: ${(run.outputs.activeWorkers as string[]).join(", ")}`);
  console.log(`  suspended (data kept): ${(run.outputs.suspendedWorkers as string[]).join(", ")}`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
