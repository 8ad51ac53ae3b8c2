/**
 * One worker started from exactly the spec the program declares, on a workers network of the test's
 * own, behind the cell firewall the program renders, with stand-ins around it: a model gateway at .3,
 * an edge at .2, another worker at its slot address, a host listener, and a target on another network.
 *
 * The only rewrite: the program's fixed network name `iw-workers` becomes this test's network name
 * (its subnet is passed to the program as configuration, so every address comes from the program).
 */
import { randomBytes, randomUUID } from "node:crypto";
import net from "node:net";
import { NETWORKS, PORTS, serviceAddress, workerAddress } from "../../lib/cell-contract";
import { renderFirewallRemoval, renderFirewallScript } from "../../lib/render/firewall";
import { WORKER_PIDS_LIMIT } from "../../lib/render/worker-spec";
import { parseCidr } from "../../lib/net";
import { loadTemplateCatalog } from "../../lib/templates";
import { declareCellUnderMocks, plain, stackConfig } from "../support/cell";
import { containerCreateArgs } from "./create-args";
import {
  Cleanup,
  STANDIN_IMAGE,
  WORKER_IMAGE,
  createNetwork,
  docker,
  httpStandIn,
  sh,
  suffix,
} from "./harness";

export interface CellUnderTest {
  worker: string;
  userId: string;
  modelKey: string;
  memoryMb: number;
  execCommands: string[];
  /** Epoch milliseconds just before `docker start`, for the benchmark. */
  startedAt: number;
  addresses: { worker: string; edge: string; otherWorker: string; host: string; stranger: string };
  modelGateway: { address: string; port: number };
  target: { address: string; port: number };
  hostPort: number;
  containers: { edge: string; stranger: string };
  cleanup: Cleanup;
}

export const TEMPLATES = ["web-research"];

export async function startCellUnderTest(): Promise<CellUnderTest> {
  const id = suffix();
  const cleanup = new Cleanup();
  try {
    return await start(id, cleanup);
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

async function start(id: string, cleanup: Cleanup): Promise<CellUnderTest> {
  const netName = `iwt-workers-${id}`;
  const bridge = `iwt-${id}`;
  const { subnet } = await createNetwork(netName, "10.230", [
    "--internal",
    "-o",
    "com.docker.network.bridge.enable_icc=false",
    "-o",
    `com.docker.network.bridge.name=${bridge}`,
  ]);
  cleanup.add(() => sh("docker", ["network", "rm", netName]));
  const workers = parseCidr(subnet)!;

  const slug = `t${id}`;
  const userId = randomUUID();
  const run = await declareCellUnderMocks({
    config: {
      images: { ...(stackConfig("dev").images as object), worker: WORKER_IMAGE },
      network: { workersSubnet: subnet },
    },
    roster: [
      {
        user_id: userId,
        slug,
        cell: "dev",
        slot: 0,
        plan: "simple",
        state: "active",
        templates: TEMPLATES,
        assistant_name: `Probe "${randomBytes(2).toString("hex")}"\n}`,
      },
    ],
  });
  const declared = run
    .byType("docker:index/container:Container")
    .find((r) => r.inputs.name === `iw-worker-${slug}`);
  if (!declared) throw new Error(`the program declared no container for roster slug \`${slug}\``);
  const envs = plain<string[]>(declared.inputs.envs);
  const modelKey = envs.find((e) => e.startsWith("IW_MODEL_KEY="))!.split("=")[1];

  const addresses = {
    worker: workerAddress(workers, 0),
    edge: serviceAddress(workers, "edgeProxy"),
    otherWorker: workerAddress(workers, 1),
    host: serviceAddress(workers, "host"),
    stranger: workerAddress(workers, 7),
  };
  const chain = await applyFirewall(bridge, subnet, id, cleanup);
  // Opened for this test only, so that the gateway's own refusal of a non-edge proxy is what gets
  // tested, not the firewall in front of it (the removal flushes the chain, this rule included).
  const opened = await sh("iptables", [
    "-w",
    "10",
    "-I",
    chain.forwardChain,
    "1",
    "-i",
    bridge,
    "-o",
    bridge,
    "-s",
    addresses.stranger,
    "-d",
    addresses.worker,
    "-p",
    "tcp",
    "--dport",
    String(PORTS.gateway),
    "-j",
    "ACCEPT",
  ]);
  if (opened.code !== 0) throw new Error(`iptables refused the stranger rule: ${opened.stderr}`);
  const standIns = await startStandIns(
    id,
    netName,
    addresses,
    serviceAddress(workers, "modelGateway"),
    cleanup,
  );

  const volumes = plain<{ volumeName: string }[]>(declared.inputs.volumes);
  for (const v of volumes) {
    await docker("volume", "create", v.volumeName);
    cleanup.add(() => sh("docker", ["volume", "rm", "-f", v.volumeName]));
  }
  const args = containerCreateArgs(declared.inputs).map((a) =>
    a === NETWORKS.workers ? netName : a,
  );
  const worker = plain<string>(declared.inputs.name);
  cleanup.container(worker);
  await docker("create", ...args);
  // The program's start step: the limit is in force before the worker's first process runs.
  await docker("update", "--pids-limit", String(WORKER_PIDS_LIMIT), worker);
  const startedAt = Date.now();
  await docker("start", worker);

  return {
    worker,
    userId,
    modelKey,
    memoryMb: plain<number>(declared.inputs.memory),
    execCommands: loadTemplateCatalog().combine(TEMPLATES).execCommands,
    startedAt,
    addresses,
    ...standIns,
    containers: { edge: standIns.edge, stranger: standIns.stranger },
    cleanup,
  };
}

/** The program's own firewall renderer, on this test's bridge and in chains named for this test. */
async function applyFirewall(bridge: string, subnet: string, id: string, cleanup: Cleanup) {
  const input = {
    bridge,
    workers: parseCidr(subnet)!,
    forwardChain: `IWT-F-${id}`,
    inputChain: `IWT-I-${id}`,
  };
  cleanup.add(() => sh("sh", ["-c", renderFirewallRemoval(input)]));
  const applied = await sh("sh", ["-c", renderFirewallScript(input)]);
  if (applied.code !== 0) throw new Error(`the firewall script failed: ${applied.stderr.trim()}`);
  return input;
}

async function startStandIns(
  id: string,
  netName: string,
  addresses: CellUnderTest["addresses"],
  modelGatewayAddress: string,
  cleanup: Cleanup,
) {
  const onWorkers = async (name: string, ip: string, command: string[]) => {
    cleanup.container(name);
    await docker(
      "run",
      "-d",
      "--name",
      name,
      "--network",
      netName,
      "--ip",
      ip,
      STANDIN_IMAGE,
      ...command,
    );
  };
  await onWorkers(
    `iwt-model-${id}`,
    modelGatewayAddress,
    httpStandIn(PORTS.modelGateway, '{"data":[]}'),
  );
  await onWorkers(`iwt-other-${id}`, addresses.otherWorker, httpStandIn(PORTS.gateway, "{}"));
  await onWorkers(`iwt-edge-${id}`, addresses.edge, ["sleep", "infinity"]);
  await onWorkers(`iwt-stranger-${id}`, addresses.stranger, ["sleep", "infinity"]);

  const otherNet = `iwt-elsewhere-${id}`;
  const { base } = await createNetwork(otherNet, "10.231", []);
  cleanup.add(() => sh("docker", ["network", "rm", otherNet]));
  const target = { address: `${base}.10`, port: 8080 };
  cleanup.container(`iwt-target-${id}`);
  await docker(
    "run",
    "-d",
    "--name",
    `iwt-target-${id}`,
    "--network",
    otherNet,
    "--ip",
    target.address,
    STANDIN_IMAGE,
    ...httpStandIn(target.port, "{}"),
  );

  const hostPort = await listenOnHost(addresses.host, cleanup);
  return {
    modelGateway: { address: modelGatewayAddress, port: PORTS.modelGateway },
    target,
    hostPort,
    edge: `iwt-edge-${id}`,
    stranger: `iwt-stranger-${id}`,
  };
}

/** A listener on the host's own address on the workers bridge, the one a worker could try. */
function listenOnHost(address: string, cleanup: Cleanup): Promise<number> {
  const server = net.createServer((socket) => socket.end("host\n"));
  cleanup.add(() => new Promise((resolve) => server.close(resolve)));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, address, () => resolve((server.address() as net.AddressInfo).port));
  });
}
