/**
 * The rendered firewall, applied for real on this machine's Docker engine, against containers placed at
 * the addresses the cell uses. Each test network gets its own bridge, subnet and chains, removed after.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { PORTS, serviceAddress, workerAddress } from "../../lib/cell-contract";
import { parseCidr } from "../../lib/net";
import { renderFirewallRemoval, renderFirewallScript } from "../../lib/render/firewall";
import { dockerAvailable, hasCommand, inCI } from "../support/requires";

const PROBE = "instantworker/probe:local";
const ready = dockerAvailable() && hasCommand("iptables") && imageExists(PROBE);
if (!ready && inCI) throw new Error("docker, iptables and the probe image are required in CI");

function imageExists(image: string): boolean {
  return spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status === 0;
}
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8" }).trim();

/** True when `from` can open a TCP connection to `host:port` within two seconds. */
function connects(from: string, host: string, port: number): boolean {
  const r = spawnSync("docker", ["exec", from, "nc", "-z", "-w", "2", host, String(port)]);
  return r.status === 0;
}

class TestCell {
  readonly id = randomInt(1e5, 1e6).toString();
  readonly bridge = `iwfw${this.id}`;
  readonly subnet = `10.232.${randomInt(0, 255)}.0/24`;
  readonly cidr = parseCidr(this.subnet)!;
  readonly chains = { forwardChain: `IWT-F-${this.id}`, inputChain: `IWT-I-${this.id}` };
  readonly containers: string[] = [];
  private hostListener?: net.Server;

  constructor(private readonly icc: boolean) {}

  async up(): Promise<void> {
    sh("docker", [
      "network",
      "create",
      "--internal",
      "--subnet",
      this.subnet,
      "-o",
      `com.docker.network.bridge.name=${this.bridge}`,
      "-o",
      `com.docker.network.bridge.enable_icc=${this.icc}`,
      this.bridge,
    ]);
    const w = this.cidr;
    this.run("edge", serviceAddress(w, "edgeProxy"), []);
    this.run("model", serviceAddress(w, "modelGateway"), [PORTS.modelGateway, 5000]);
    this.run("egress", serviceAddress(w, "egressProxy"), [PORTS.egressProxy]);
    for (const slot of [0, 1]) {
      this.run(`worker${slot}`, workerAddress(w, slot), [PORTS.gateway, PORTS.novnc, 2222]);
    }
    // A listener on the host's own bridge address, so "refused" means the firewall, not an empty port.
    this.hostListener = net.createServer((s) => s.end()).listen(7777, serviceAddress(w, "host"));
    await new Promise((r) => this.hostListener!.once("listening", r));
    execFileSync("sh", [
      "-c",
      renderFirewallScript({ bridge: this.bridge, workers: w, ...this.chains }),
    ]);
  }

  name(role: string): string {
    return `${this.bridge}-${role}`;
  }

  private run(role: string, ip: string, ports: number[]): void {
    const listen = ports.map((p) => `nc -lk -p ${p} >/dev/null &`).join(" ");
    const name = this.name(role);
    sh("docker", [
      "run",
      "-d",
      "--name",
      name,
      "--network",
      this.bridge,
      "--ip",
      ip,
      PROBE,
      "sh",
      "-c",
      `${listen} sleep 600`,
    ]);
    this.containers.push(name);
  }

  async down(): Promise<void> {
    spawnSync("sh", [
      "-c",
      renderFirewallRemoval({ bridge: this.bridge, workers: this.cidr, ...this.chains }),
    ]);
    if (this.containers.length) spawnSync("docker", ["rm", "-f", ...this.containers]);
    spawnSync("docker", ["network", "rm", this.bridge]);
    await new Promise((r) => (this.hostListener ? this.hostListener.close(r) : r(undefined)));
  }
}

describe(
  "host firewall on a real Docker engine",
  {
    skip: ready
      ? false
      : "docker, iptables or the probe image is missing here; .ci/run installs them",
  },
  () => {
    const cell = new TestCell(false);
    before(() => cell.up());
    after(() => cell.down());
    const w = () => cell.cidr;

    test("lets a worker reach the model gateway and the egress proxy on their ports", () => {
      assert.equal(
        connects(cell.name("worker0"), serviceAddress(w(), "modelGateway"), PORTS.modelGateway),
        true,
      );
      assert.equal(
        connects(cell.name("worker0"), serviceAddress(w(), "egressProxy"), PORTS.egressProxy),
        true,
      );
    });

    test("refuses a worker on any other port of the model gateway", () => {
      assert.equal(
        connects(cell.name("worker0"), serviceAddress(w(), "modelGateway"), 5000),
        false,
      );
    });

    test("refuses worker to worker on the gateway and noVNC ports", () => {
      const other = workerAddress(w(), 1);
      assert.equal(connects(cell.name("worker0"), other, PORTS.gateway), false);
      assert.equal(connects(cell.name("worker0"), other, PORTS.novnc), false);
    });

    test("refuses a worker connecting to the host's address on the bridge", () => {
      assert.equal(connects(cell.name("worker0"), serviceAddress(w(), "host"), 7777), false);
    });

    test("lets the edge proxy reach a worker's gateway and noVNC, and nothing else on it", () => {
      const worker = workerAddress(w(), 0);
      assert.equal(connects(cell.name("edge"), worker, PORTS.gateway), true);
      assert.equal(connects(cell.name("edge"), worker, PORTS.novnc), true);
      assert.equal(connects(cell.name("edge"), worker, 2222), false);
    });
  },
);

describe(
  "host firewall where Docker alone would allow east-west traffic",
  {
    skip: ready
      ? false
      : "docker, iptables or the probe image is missing here; .ci/run installs them",
  },
  () => {
    // Inter-container traffic left on: only the rendered rules stand between the two workers.
    const cell = new TestCell(true);
    before(() => cell.up());
    after(() => cell.down());

    test("still refuses worker to worker", () => {
      assert.equal(
        connects(cell.name("worker0"), workerAddress(cell.cidr, 1), PORTS.gateway),
        false,
      );
    });

    test("still lets the worker reach the model gateway", () => {
      const model = serviceAddress(cell.cidr, "modelGateway");
      assert.equal(connects(cell.name("worker0"), model, PORTS.modelGateway), true);
    });
  },
);
