import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import {
  EgressProxy,
  type EgressProxyArgs,
  renderConfigPushScript,
} from "../../components/egress-proxy";
import { parseCidr } from "../../lib/net";
import { type Declared, declareUnderMocks } from "../model-gateway/declare";

const ALICE = { slug: "alice", slot: 0, browser: true, egressDomains: [".github.com"] };
const BOB = { slug: "bob-b", slot: 1, browser: true, egressDomains: ["api.example.org"] };

const ARGS: EgressProxyArgs = {
  cell: "dev",
  host: { kind: "local" },
  image: "instantworker/squid:5.7-2-deb12u6",
  workers: parseCidr("10.210.0.0/22")!,
  networks: { workers: "iw-workers", egress: "iw-egress" },
  configDir: "/opt/instantworker/egress-proxy",
  roster: [ALICE],
};

const byType = (resources: Declared[], type: string, prefix: string) =>
  resources.find((r) => r.type === type && r.name.startsWith(prefix))!;
const CONTAINER = "docker:index/container:Container";
const COMMAND = "command:local:Command";

describe("EgressProxy", () => {
  test("leaves the Squid container untouched when a signup changes the allowlists", async () => {
    const resources = await declareUnderMocks(() => {
      new EgressProxy("before", ARGS);
      new EgressProxy("after", { ...ARGS, roster: [ALICE, BOB] });
    });
    const before = byType(resources, CONTAINER, "before");
    const after = byType(resources, CONTAINER, "after");
    assert.deepEqual(after.inputs, before.inputs);
    const pushBefore = byType(resources, COMMAND, "before");
    const pushAfter = byType(resources, COMMAND, "after");
    assert.notEqual(pushAfter.inputs.stdin, pushBefore.inputs.stdin);
    assert.notEqual(pushAfter.inputs.create, pushBefore.inputs.create);
    assert.match(pushAfter.inputs.stdin, /^acl worker-bob-b src 10\.210\.0\.17\/32$/m);
  });

  test("runs Squid read-only at .4 with the host's config directory mounted read-only", async () => {
    const resources = await declareUnderMocks(() => new EgressProxy("egress", ARGS));
    const squid = byType(resources, CONTAINER, "egress").inputs;
    assert.deepEqual(squid.networksAdvanced, [
      { name: "iw-workers", ipv4Address: "10.210.0.4" },
      { name: "iw-egress" },
    ]);
    assert.deepEqual(squid.mounts, [
      {
        type: "bind",
        source: "/opt/instantworker/egress-proxy",
        target: "/etc/instantworker-squid",
        readOnly: true,
      },
    ]);
    assert.equal(squid.readOnly, true);
    assert.deepEqual(squid.capabilities, { drops: ["ALL"] });
    assert.equal(squid.ports, undefined);
  });

  test("refuses a relative config directory", async () => {
    await assert.rejects(
      declareUnderMocks(() => new EgressProxy("bad", { ...ARGS, configDir: "etc/../squid" })),
      {
        message:
          "Egress proxy config directory `etc/../squid` is not an absolute path without '..' (accepted: e.g. /opt/instantworker/egress-proxy).",
      },
    );
  });
});

describe("renderConfigPushScript", () => {
  test("writes the config from stdin into place when no proxy runs yet", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iw-egress-push-"));
    try {
      const target = path.join(dir, "egress-proxy");
      const config = "http_port 10.210.0.4:3128\nhttp_access deny all\n";
      const absent = `iw-egress-absent-${path.basename(dir)}`;
      const run = spawnSync("bash", ["-c", renderConfigPushScript(target, config, absent)], {
        input: config,
        encoding: "utf8",
      });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(fs.readFileSync(path.join(target, "squid.conf"), "utf8"), config);
      assert.equal(fs.statSync(path.join(target, "squid.conf")).mode & 0o777, 0o644);
      assert.equal(fs.existsSync(path.join(target, "squid.conf.next")), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
