/** Starts the real deployer (`src/main.ts`) as a child process and reads its port from its log. */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

export function spawnDeployer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: path.join(__dirname, "..", ".."),
    env: { ...process.env, IW_DEPLOYER_PORT: "0", IW_PULUMI_INSTALL: "false", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the deployer exited with ${code}`)));
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      const entry = JSON.parse(line) as { msg: string; port?: number };
      if (entry.msg === "deployer listening") resolve({ child, port: entry.port! });
    });
  });
}
