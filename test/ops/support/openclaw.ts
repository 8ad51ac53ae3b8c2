/**
 * Makes a real OpenClaw agent database with OpenClaw's own code: a legacy JSONL session is planted in a
 * fresh state directory and `openclaw doctor --fix` imports it into `agents/main/agent/openclaw-agent.sqlite`,
 * exactly as it does when upgrading a worker's old state.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const OPENCLAW_DIR = resolve(__dirname, "../../../.cache/openclaw");
export const OPENCLAW_BIN = join(OPENCLAW_DIR, "bin/openclaw");
export const NODE24 = join(OPENCLAW_DIR, "node/bin/node");

export const openclawInstalled = () => existsSync(OPENCLAW_BIN) && existsSync(NODE24);

export type Message = Record<string, unknown>;

export async function makeAgentDatabase(
  stateDir: string,
  sessionId: string,
  messages: Message[],
): Promise<string> {
  const sessions = join(stateDir, "agents/main/sessions");
  mkdirSync(sessions, { recursive: true });
  writeFileSync(join(stateDir, "openclaw.json"), JSON.stringify({ gateway: { mode: "local" } }));
  const now = Date.now();
  const stamp = new Date(now).toISOString();
  writeFileSync(
    join(sessions, "sessions.json"),
    JSON.stringify({ "agent:main:main": { sessionId, updatedAt: now } }),
  );
  const lines = [
    { type: "session", version: 3, id: sessionId, timestamp: stamp, cwd: "/data/workspace" },
  ];
  messages.forEach((message, index) =>
    lines.push({
      type: "message",
      id: `m${index}`,
      parentId: index === 0 ? null : `m${index - 1}`,
      timestamp: stamp,
      message: { timestamp: now, ...message },
    } as never),
  );
  writeFileSync(
    join(sessions, `${sessionId}.jsonl`),
    lines.map((l) => JSON.stringify(l)).join("\n") + "\n",
  );
  const home = join(stateDir, "..", "home");
  mkdirSync(home, { recursive: true });
  await run(OPENCLAW_BIN, ["doctor", "--fix", "--non-interactive"], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      OPENCLAW_STATE_DIR: stateDir,
      OPENCLAW_CONFIG_PATH: join(stateDir, "openclaw.json"),
      OPENCLAW_SUPERVISOR_MODE: "external",
    },
    timeout: 240_000,
  });
  const db = join(stateDir, "agents/main/agent/openclaw-agent.sqlite");
  if (!existsSync(db)) throw new Error(`openclaw doctor did not create ${db}`);
  return db;
}
