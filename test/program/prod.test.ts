/** The prod stack under Pulumi's mocks (a stand-in for the engine, Hetzner and Cloudflare). */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { CLOUDFLARE_RANGES } from "../../lib/cloudflare-ranges";
import { type MockRun, declareCellUnderMocks } from "../support/cell";
import { validRoster } from "./fixtures";

describe("a production cell", () => {
  let run: MockRun;
  before(async () => {
    const roster = validRoster().map((r) => ({ ...r, cell: "fsn1-a" }));
    run = await declareCellUnderMocks({ stack: "prod", roster });
  });

  test("opens SSH to the operators only and the web ports to Cloudflare only", () => {
    const rules = run.one("hcloud:index/firewall:Firewall", "cell-host-firewall").inputs.rules;
    assert.deepEqual(
      rules.map((r: { port: string; sourceIps: string[] }) => [r.port, r.sourceIps]),
      [
        ["22", ["203.0.113.10/32"]],
        ["80", [...CLOUDFLARE_RANGES]],
        ["443", [...CLOUDFLARE_RANGES]],
      ],
    );
  });

  test("protects the server from deletion and rebuilds", () => {
    const server = run.one("hcloud:index/server:Server", "cell-host-server");
    assert.equal(server.inputs.deleteProtection, true);
    assert.equal(server.inputs.rebuildProtection, true);
    assert.equal(server.opts.protect, true);
    assert.match(server.inputs.userData, /^#cloud-config\n/);
  });

  test("points one proxied record per running worker, one label under the zone, at the host", () => {
    const records = run.byType("cloudflare:index/dnsRecord:DnsRecord").map((r) => r.inputs);
    assert.deepEqual(records.map((r) => r.name).sort(), [
      "ada-worker.instantworker.ai",
      "barbara-worker.instantworker.ai",
      "fsn1-a-api.instantworker.ai",
      "grace-worker.instantworker.ai",
      "linus-worker.instantworker.ai",
    ]);
    for (const r of records) {
      assert.equal(r.proxied, true, r.name);
      assert.equal(r.type, "A", r.name);
    }
  });

  test("requires strict TLS to the origin and installs an Origin CA certificate for the edge", () => {
    const ssl = run.one("cloudflare:index/zoneSetting:ZoneSetting", "cell-dns-ssl-strict").inputs;
    assert.deepEqual([ssl.settingId, ssl.value], ["ssl", "strict"]);
    const cert = run.one(
      "cloudflare:index/originCaCertificate:OriginCaCertificate",
      "cell-dns-origin-cert",
    );
    assert.deepEqual(cert.inputs.hostnames, ["instantworker.ai", "*.instantworker.ai"]);
    const install = run.one("command:remote:Command", "edge-tls").inputs;
    assert.match(install.create, /\/opt\/instantworker\/edge/);
  });

  test("reaches the host's engine over SSH and runs every host command there", () => {
    const provider = run.one("pulumi:providers:docker", "cell-host-docker").inputs;
    assert.match(provider.host, /^ssh:\/\/root@/);
    assert.equal(run.byType("command:local:Command").length, 0);
    assert.ok(run.byType("command:remote:Command").length >= 5);
  });
});
