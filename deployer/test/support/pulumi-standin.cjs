/**
 * STAND-IN for the Pulumi CLI (no real CLI can be installed on these machines). It answers the
 * commands the Automation API sends, records every call (arguments, start and end times) in
 * `<root>/calls.jsonl`, and plays back what `<root>/scenario.json` scripts for each stack and command:
 * engine events, a delay, an exit code and stderr. Like the real CLI it holds a per-stack lock while a
 * preview or update runs and answers a second one with the 409 conflict text.
 *
 * Usage (through the wrapper `<root>/bin/pulumi`): node pulumi-standin.cjs <root> <pulumi args...>
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const [root, ...args] = process.argv.slice(2);
const scenario = JSON.parse(fs.readFileSync(path.join(root, "scenario.json"), "utf8"));
const CONFLICT = "error: [409] Conflict: Another update is currently in progress.";

function flag(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function commandName() {
  if (args[0] === "stack") return `stack ${args[1]}`;
  return args[0];
}

function record(entry) {
  fs.appendFileSync(path.join(root, "calls.jsonl"), JSON.stringify(entry) + "\n");
}

/** The n-th scripted answer for this stack and command; the last one repeats. */
function scripted(stack, command) {
  const list = (scenario.stacks?.[stack] ?? {})[command] ?? scenario.default?.[command];
  if (!list) return {};
  if (!Array.isArray(list)) return list;
  const calls = fs.existsSync(path.join(root, "calls.jsonl"))
    ? fs.readFileSync(path.join(root, "calls.jsonl"), "utf8").split("\n").filter(Boolean)
    : [];
  const seen = calls
    .map((l) => JSON.parse(l))
    .filter((c) => c.phase === "start" && c.stack === stack && c.command === command).length;
  return list[Math.min(seen, list.length - 1)] ?? {};
}

function engineEvents(step) {
  const events = (step.steps ?? []).map((s) => ({
    resourcePreEvent: { metadata: { op: s.op, urn: s.urn, type: s.type, provider: "" } },
  }));
  const counts = {};
  for (const s of step.steps ?? []) counts[s.op] = (counts[s.op] ?? 0) + 1;
  events.push({
    summaryEvent: { maybeCorrupt: false, durationSeconds: 0, resourceChanges: counts },
  });
  return events.map((e, i) => ({
    sequence: i + 1,
    timestamp: Math.floor(Date.now() / 1000),
    ...e,
  }));
}

/** Newer CLIs stream events over gRPC to `tcp://host:port`; older ones append to a file. */
async function sendEvents(target, events) {
  if (!target) return;
  if (!target.startsWith("tcp://")) {
    fs.appendFileSync(target, events.map((e) => JSON.stringify(e) + "\n").join(""));
    return;
  }
  const grpc = require("@grpc/grpc-js");
  const services = require("@pulumi/pulumi/proto/events_grpc_pb");
  const messages = require("@pulumi/pulumi/proto/events_pb");
  const client = new services.EventsClient(target.slice(6), grpc.credentials.createInsecure());
  await new Promise((resolve, reject) => {
    const call = client.streamEvents((err) => (err ? reject(err) : resolve()));
    for (const e of events) {
      const req = new messages.EventRequest();
      req.setEvent(JSON.stringify(e));
      call.write(req);
    }
    call.end();
  });
  client.close();
}

function lockPath(stack) {
  return path.join(root, "locks", stack.replace(/\//g, "__"));
}

async function operation(command, stack, step) {
  fs.mkdirSync(path.join(root, "locks"), { recursive: true });
  try {
    fs.writeFileSync(lockPath(stack), String(process.pid), { flag: "wx" });
  } catch {
    process.stderr.write(CONFLICT + "\n");
    return 255;
  }
  try {
    await new Promise((r) => setTimeout(r, step.delayMs ?? 0));
    await sendEvents(flag("--event-log"), engineEvents(step));
    if (step.stdout) process.stdout.write(step.stdout);
    if (step.stderr) process.stderr.write(step.stderr);
    return step.exitCode ?? 0;
  } finally {
    fs.rmSync(lockPath(stack), { force: true });
  }
}

async function main() {
  const command = commandName();
  const stack = flag("--stack") ?? "";
  const id = `${process.pid}-${Date.now()}`;
  if (command === "version") {
    process.stdout.write(`v${scenario.version ?? "3.276.0"}\n`);
    return 0;
  }
  // Read the script before recording this call, so the first call gets the first scripted answer.
  const step = scripted(stack, command);
  record({ id, phase: "start", command, stack, args, at: Date.now() });
  let code = 0;
  if (command === "preview" || command === "up") code = await operation(command, stack, step);
  else if (command === "stack select" && (scenario.missingStacks ?? []).includes(stack)) {
    process.stderr.write(`error: no stack named '${stack}' found\n`);
    code = 255;
  } else if (command === "stack output") process.stdout.write("{}\n");
  else if (command === "stack history") process.stdout.write("[]\n");
  record({ id, phase: "end", command, stack, exitCode: code, at: Date.now() });
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`stand-in failed: ${err && err.message}\n`);
    process.exit(254);
  },
);
