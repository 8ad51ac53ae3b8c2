import { execFileSync } from "node:child_process";
import net from "node:net";
import type { TestContext } from "node:test";

/** True when the suite runs in CI, where every real component must be present. */
export const inCI = process.env.CI === "true";

/**
 * Gates a test on a real component. Outside CI a missing component skips the test with a one-line
 * reason; in CI it fails the test, because CI installs every component and a skip there would hide a gap.
 */
export async function requireComponent(
  t: TestContext,
  name: string,
  probe: () => boolean | Promise<boolean>,
): Promise<boolean> {
  let present = false;
  try {
    present = await probe();
  } catch {
    present = false;
  }
  if (present) return true;
  if (inCI) throw new Error(`${name} is required in CI but is not available on this machine`);
  t.skip(`${name} is not available here; .ci/run installs it`);
  return false;
}

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function dockerAvailable(): boolean {
  try {
    execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], {
      stdio: "ignore",
      timeout: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}

export function postgresAvailable(host = "127.0.0.1", port = 5432): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
