/**
 * The Edge component under Pulumi's mocks (a stand-in for the engine, which cannot run here): what it
 * declares, and that a signup changes only the pushed files, never the containers.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { Edge, type EdgeArgs } from "../../components/edge";
import { parseCidr } from "../../lib/net";

interface Declared {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const declared: Declared[] = [];

before(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        declared.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, result: "generated" } };
      },
      call: () => ({}),
    },
    "instantworker",
    "test",
    false,
  );
});

const alice = { slug: "alice", userId: randomUUID(), slot: 0 };
const bob = { slug: "bob", userId: randomUUID(), slot: 1 };
const keyPem = `key-${randomBytes(8).toString("hex")}`;
const ticketSecret = randomBytes(32).toString("hex");

function args(workers: EdgeArgs["workers"]): EdgeArgs {
  return {
    cell: "cell-1",
    host: { kind: "local" },
    zone: "instantworker.ai",
    dashboardOrigin: "https://instantworker.ai",
    images: { edgeProxy: "caddy:2.6.2", gatekeeper: "instantworker/gatekeeper:1.0.0" },
    workersSubnet: parseCidr("10.210.0.0/22")!,
    edgeSubnet: parseCidr("10.210.9.0/24")!,
    networks: { workers: "iw-workers", egress: "iw-egress", edge: "iw-edge" },
    configDir: "/opt/instantworker/edge",
    tls: { mode: "files", certPem: "CERT", keyPem: pulumi.secret(keyPem) },
    ticketSecret: pulumi.secret(ticketSecret),
    trustedProxies: ["173.245.48.0/20"],
    workers,
  };
}

/** Declares an edge and waits until the engine stand-in has seen all of its resources. */
async function declare(name: string, workers: EdgeArgs["workers"]): Promise<Declared[]> {
  const edge = new Edge(name, args(workers));
  await new Promise((r) => pulumi.all([edge.edgeProxy.id, edge.gatekeeper.id]).apply(r));
  await new Promise((r) => setTimeout(r, 50));
  return declared.filter((d) => d.name.startsWith(`${name}-`));
}

/** Secret inputs reach the mocks wrapped in Pulumi's secret envelope. */
const plain = (value: any): string => (typeof value === "object" ? value.value : value);
const find = (list: Declared[], name: string) => list.find((d) => d.name === name)!;

test("puts Caddy on the three networks at .2 and the gatekeeper on the edge network only", async () => {
  const list = await declare("edge-a", [alice]);
  const caddy = find(list, "edge-a-caddy").inputs;
  assert.deepEqual(
    caddy.networksAdvanced.map((n: any) => [n.name, n.ipv4Address]),
    [
      ["iw-workers", "10.210.0.2"],
      ["iw-edge", undefined],
      ["iw-egress", undefined],
    ],
  );
  assert.deepEqual(
    caddy.ports.map((p: any) => [p.internal, p.external]),
    [
      [80, 80],
      [443, 443],
    ],
  );
  assert.deepEqual(caddy.capabilities, { drops: ["ALL"], adds: ["NET_BIND_SERVICE"] });
  const gatekeeper = find(list, "edge-a-gatekeeper").inputs;
  assert.deepEqual(
    gatekeeper.networksAdvanced.map((n: any) => n.name),
    ["iw-edge"],
  );
  assert.equal(gatekeeper.ports, undefined);
  assert.equal(gatekeeper.user, "10002:10002");
  assert.equal(gatekeeper.readOnly, true);
  assert.deepEqual(gatekeeper.envs, [
    "IW_GATEKEEPER_TRUSTED_PROXIES=10.210.9.0/24,173.245.48.0/20",
  ]);
});

test("a signup changes the pushed Caddyfile and host map but neither container", async () => {
  const before = await declare("edge-b", [alice]);
  const after = await declare("edge-c", [alice, bob]);
  for (const part of ["caddy", "gatekeeper", "caddy-data"]) {
    assert.deepEqual(
      find(after, `edge-c-${part}`).inputs,
      find(before, `edge-b-${part}`).inputs,
      part,
    );
  }
  const caddyfile = (list: Declared[], name: string) => find(list, name).inputs.stdin as string;
  assert.doesNotMatch(caddyfile(before, "edge-b-caddyfile"), /bob-worker/);
  assert.match(caddyfile(after, "edge-c-caddyfile"), /^bob-worker\.instantworker\.ai \{$/m);
  assert.match(find(after, "edge-c-hosts").inputs.stdin, new RegExp(bob.userId));
});

test("keeps secrets out of every command line and pushes them on stdin only", async () => {
  const list = await declare("edge-d", [alice]);
  const commands = list.filter((d) => d.type === "command:local:Command");
  assert.deepEqual(commands.map((c) => c.name).sort(), [
    "edge-d-caddyfile",
    "edge-d-hosts",
    "edge-d-secrets",
    "edge-d-tls",
  ]);
  for (const c of commands) {
    for (const secret of [keyPem, ticketSecret])
      assert.equal(`${c.inputs.create}`.includes(secret), false);
  }
  assert.ok(plain(find(list, "edge-d-secrets").inputs.stdin).includes(ticketSecret));
  assert.ok(plain(find(list, "edge-d-tls").inputs.stdin).includes(keyPem));
});

test("refuses a config directory with a relative part", () => {
  assert.throws(() => new Edge("edge-e", { ...args([alice]), configDir: "/opt/../etc" }), {
    message:
      "Edge config directory `/opt/../etc` is not an absolute path without '..' (accepted: e.g. /opt/instantworker/edge).",
  });
});

test("its push scripts write the files by rename, the key readable by its owner only", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "iw-edge-push-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const list = await new Promise<Declared[]>((resolve) => {
    const edge = new Edge("edge-f", { ...args([alice]), configDir: dir });
    pulumi
      .all([edge.edgeProxy.id])
      .apply(() =>
        setTimeout(() => resolve(declared.filter((d) => d.name.startsWith("edge-f-"))), 50),
      );
  });
  const pem = `-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n${keyPem}\n-----END PRIVATE KEY-----\n`;
  for (const [name, stdin] of [
    ["hosts", plain(find(list, "edge-f-hosts").inputs.stdin)],
    ["tls", pem],
    ["caddyfile", plain(find(list, "edge-f-caddyfile").inputs.stdin)],
  ]) {
    // No edge container runs under this name in the test, so the scripts only write files.
    execFileSync("bash", ["-c", find(list, `edge-f-${name}`).inputs.create], { input: stdin });
  }
  assert.equal(
    JSON.parse(readFileSync(`${dir}/gatekeeper/hosts.json`, "utf8")).workers[0].userId,
    alice.userId,
  );
  assert.match(
    readFileSync(`${dir}/caddy/Caddyfile`, "utf8"),
    /^alice-worker\.instantworker\.ai \{$/m,
  );
  assert.equal(
    readFileSync(`${dir}/caddy/tls/origin.pem`, "utf8"),
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
  );
  assert.match(readFileSync(`${dir}/caddy/tls/origin.key`, "utf8"), new RegExp(keyPem));
  assert.equal(statSync(`${dir}/caddy/tls/origin.key`).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(`${dir}/caddy`).sort(), ["Caddyfile", "tls"]);
});
