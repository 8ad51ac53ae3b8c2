import assert from "node:assert/strict";
import { test } from "node:test";
import { WorkerEnvError, parseWorkerEnv } from "../../lib/render/openclaw-env";
import { workerEnvVars } from "./fixtures";

function problemsOf(vars: Record<string, string | undefined>): string[] {
  try {
    parseWorkerEnv(vars);
  } catch (error) {
    assert.ok(error instanceof WorkerEnvError);
    return error.problems;
  }
  assert.fail("the environment was accepted");
}

test("reads a complete worker environment", () => {
  const vars = workerEnvVars({ IW_TEMPLATES: "web-research,blog-writer" });
  const env = parseWorkerEnv(vars);
  assert.deepEqual(env, {
    cell: "dev",
    slug: "ada",
    userId: vars.IW_USER_ID,
    plan: "expert",
    templates: ["web-research", "blog-writer"],
    assistantName: "Ada",
    edgeProxy: "10.210.0.2",
    publicOrigin: "https://ada-worker.instantworker.localhost",
    modelGatewayUrl: "http://10.210.0.3:4000/v1",
    models: ["claude-haiku", "gemini-flash"],
  });
});

test("names the variable and what is accepted for a bad edge address", () => {
  assert.deepEqual(problemsOf(workerEnvVars({ IW_EDGE_PROXY: "10.210.0.300" })), [
    "`IW_EDGE_PROXY` is `10.210.0.300`; expected an IPv4 address",
  ]);
});

test("reports every missing variable at once", () => {
  const problems = problemsOf(workerEnvVars({ IW_USER_ID: undefined, IW_MODELS: "" }));
  assert.deepEqual(problems, [
    "`IW_USER_ID` is not set; expected a lower-case uuid",
    "`IW_MODELS` is not set; expected model names, comma-separated",
  ]);
});

test("refuses a plain-http public origin", () => {
  assert.deepEqual(
    problemsOf(workerEnvVars({ IW_PUBLIC_ORIGIN: "http://ada-worker.example.com" })),
    [
      "`IW_PUBLIC_ORIGIN` is `http://ada-worker.example.com`; expected an origin like `https://a-worker.example.com`",
    ],
  );
});

test("refuses an assistant name over 10,000 characters without echoing it", () => {
  const problems = problemsOf(workerEnvVars({ IW_ASSISTANT_NAME: "x".repeat(10_001) }));
  assert.deepEqual(problems, [
    "`IW_ASSISTANT_NAME` is 10001 characters long; at most 10000 are accepted",
  ]);
});

test("requires a model key but never repeats one", () => {
  assert.deepEqual(problemsOf(workerEnvVars({ IW_MODEL_KEY: undefined })), [
    "`IW_MODEL_KEY` is not set; the worker needs its model key",
  ]);
  const vars = workerEnvVars({ IW_PLAN: "gold" });
  const problems = problemsOf(vars);
  assert.equal(problems.join("\n").includes(vars.IW_MODEL_KEY), false);
  assert.deepEqual(problems, ["`IW_PLAN` is `gold`; expected one of simple, expert, legend"]);
});

test("keeps a bad value on one short line", () => {
  const [problem] = problemsOf(workerEnvVars({ IW_SLUG: `Bad\n${"a".repeat(200)}` }));
  assert.equal(problem.includes("\n"), false);
  assert.ok(problem.length < 140, problem);
  assert.ok(problem.startsWith("`IW_SLUG` is `Bad\\naaaa"));
});
