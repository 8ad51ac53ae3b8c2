import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { type EgressWorker, renderSquidConfig, type SquidConfigArgs } from "../../lib/render/squid";
import { hasCommand, requireComponent } from "../support/requires";

const ALICE: EgressWorker = {
  slug: "alice",
  address: "10.210.0.16",
  egressDomains: ["github.com", ".github.com", "www.npmjs.com", ".githubusercontent.com"],
  browser: true,
};
const BOB: EgressWorker = {
  slug: "bob-two",
  address: "10.210.0.17",
  egressDomains: ["api.example.org"],
  browser: true,
};
const CAROL: EgressWorker = {
  slug: "carol",
  address: "10.210.0.18",
  egressDomains: ["slack.com"],
  browser: false,
};

function args(over: Partial<SquidConfigArgs> = {}): SquidConfigArgs {
  return { workers: [ALICE, BOB, CAROL], port: 3128, listenAddress: "10.210.0.4", ...over };
}

/** Runs the real `squid -k parse` on `config`; returns its exit code and its last FATAL line. */
function squidParse(config: string): { code: number | null; fatal: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iw-squid-parse-"));
  try {
    fs.writeFileSync(path.join(dir, "squid.conf"), config);
    const run = spawnSync("squid", ["-k", "parse", "-f", path.join(dir, "squid.conf")], {
      encoding: "utf8",
    });
    const fatal = `${run.stdout}${run.stderr}`.split("\n").filter((l) => /FATAL|ERROR/.test(l));
    return { code: run.status, fatal: fatal.join("\n") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("renderSquidConfig", () => {
  test("is accepted by squid -k parse", async (t) => {
    if (!(await requireComponent(t, "squid", () => hasCommand("squid")))) return;
    const result = squidParse(renderSquidConfig(args()));
    assert.deepEqual(result, { code: 0, fatal: "" });
  });

  test("folds a host into the wildcard that covers it, which squid would otherwise refuse", async (t) => {
    if (!(await requireComponent(t, "squid", () => hasCommand("squid")))) return;
    const config = renderSquidConfig(args({ workers: [ALICE] }));
    assert.match(
      config,
      /^acl domains-alice dstdomain -n \.github\.com \.githubusercontent\.com www\.npmjs\.com$/m,
    );
    const unfolded = config.replace(
      "dstdomain -n .github.com",
      "dstdomain -n github.com .github.com",
    );
    assert.notEqual(squidParse(unfolded).code, 0);
  });

  test("allows each browser worker from its own address only, and denies everything else last", () => {
    const lines = renderSquidConfig(args())
      .split("\n")
      .filter((l) => l.startsWith("http_access"));
    assert.deepEqual(lines, [
      "http_access deny !CONNECT",
      "http_access deny !tls-port",
      "http_access deny ip-literal",
      "http_access allow worker-alice domains-alice !blocked-destination",
      "http_access allow worker-bob-two domains-bob-two !blocked-destination",
      "http_access deny all",
    ]);
    assert.match(renderSquidConfig(args()), /^acl worker-bob-two src 10\.210\.0\.17\/32$/m);
  });

  test("gives a worker without a browser template no acl at all", () => {
    const config = renderSquidConfig(args());
    assert.doesNotMatch(config, /worker-carol|domains-carol|slack\.com/);
  });

  test("caches nothing, uses no localnet shortcut and listens on the workers address only", () => {
    const config = renderSquidConfig(args());
    assert.match(config, /^cache deny all$/m);
    assert.match(config, /^http_port 10\.210\.0\.4:3128$/m);
    assert.doesNotMatch(config, /localnet|cache_dir/);
  });

  test("renders the same text whatever order the roster arrives in", () => {
    assert.equal(
      renderSquidConfig(args({ workers: [CAROL, BOB, ALICE] })),
      renderSquidConfig(args()),
    );
  });

  test("refuses an IP address among a worker's domains", () => {
    const bad = { ...BOB, egressDomains: ["10.0.0.1"] };
    assert.throws(() => renderSquidConfig(args({ workers: [bad] })), {
      message:
        "Worker `bob-two` egress domain `10.0.0.1` is an IP address; name a domain, the egress proxy never allows IP destinations.",
    });
  });

  test("refuses two workers at one address", () => {
    const twin = { ...BOB, slug: "twin", address: ALICE.address };
    assert.throws(() => renderSquidConfig(args({ workers: [ALICE, twin] })), {
      message:
        "Workers `alice` and `twin` share the address `10.210.0.16` (accepted: one address per worker).",
    });
  });

  test("refuses a slug that could break out of an acl name", () => {
    const bad = { ...BOB, slug: "bob all" };
    assert.throws(
      () => renderSquidConfig(args({ workers: [bad] })),
      /^Error: Worker slug `bob all`/,
    );
  });

  test("refuses a port outside 1 to 65535", () => {
    assert.throws(() => renderSquidConfig(args({ port: 70000 })), {
      message: "Egress proxy port `70000` is not a TCP port (accepted: 1 to 65535).",
    });
  });
});
