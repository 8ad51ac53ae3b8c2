/**
 * Declares one cell from a validated configuration and roster: where it runs, its networks and host
 * firewall, the shared services (edge, model gateway, egress proxy, monitors) and one worker per roster
 * row. Everything here is wiring; what each resource looks like comes from the pure renderers.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CellDns } from "../components/cell-dns";
import { CellHost } from "../components/cell-host";
import { CellNetworks } from "../components/cell-networks";
import { Edge } from "../components/edge";
import { EgressProxy } from "../components/egress-proxy";
import type { HostConnection } from "../components/host-command";
import { HostFirewall } from "../components/host-firewall";
import { ModelGateway } from "../components/model-gateway";
import { Monitors } from "../components/monitors";
import { WorkerContainer } from "../components/worker-container";
import { NETWORKS } from "./cell-contract";
import { CLOUDFLARE_RANGES } from "./cloudflare-ranges";
import type { CellConfig } from "./config";
import { formatCidr } from "./net";
import type { RosterEntry } from "./roster/types";
import type { WorkerCapabilities } from "./templates";

/** What the cell needs to know of a worker's templates. */
export interface CapabilityLookup {
  combine(templateIds: readonly string[]): WorkerCapabilities;
}

export interface CellInputs {
  config: CellConfig;
  roster: RosterEntry[];
  templates: CapabilityLookup;
}

export interface CellOutputs {
  /** Slugs with a running worker: the next deploy's deletion guard compares against this. */
  activeWorkers: string[];
  suspendedWorkers: string[];
  workersNetwork: pulumi.Output<string>;
}

interface Site {
  host: HostConnection;
  docker: docker.Provider;
  /** What containers must wait for: the host's engine and its settings. */
  ready: pulumi.Resource[];
  tls:
    | { mode: "files"; certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> }
    | { mode: "internal" };
}

/**
 * The SDK records a stack trace with every promise it makes, several per output property, which under
 * source maps is most of the time and memory a large roster costs. Declaring needs none of them: errors
 * raised while declaring are argument checks whose sentence is the whole message.
 */
export function declareCell(inputs: CellInputs): CellOutputs {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return declareResources(inputs);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function declareResources({ config, roster, templates }: CellInputs): CellOutputs {
  const site = declareSite(config, roster);
  const { host } = site;
  const opts = { providers: { docker: site.docker }, dependsOn: site.ready };
  const secret = (key: keyof CellConfig["secrets"]) => pulumi.secret(config.secrets[key] ?? "");
  const active = roster.filter((e) => e.state === "active");
  const capabilities = new Map(roster.map((e) => [e.slug, templates.combine(e.templates)]));

  const networks = new CellNetworks("cell", { cell: config.cell, ...config.network }, opts);
  const nets = {
    workers: networks.workers.name,
    egress: networks.egress.name,
    edge: networks.edge.name,
    modelDb: networks.modelDb.name,
  };
  new HostFirewall(
    "cell-firewall",
    {
      host,
      bridge: NETWORKS.workers,
      workers: config.network.workers,
      scriptPath: firewallPath(config),
    },
    { dependsOn: [networks, ...site.ready] },
  );

  const gateway = new ModelGateway(
    "model-gateway",
    {
      cell: config.cell,
      host,
      image: config.images.modelGateway,
      databaseImage: config.images.modelDb,
      workers: config.network.workers,
      networks: nets,
      models: config.models,
      proxyBudget: config.proxyBudget,
      masterKey: secret("modelGatewayMasterKey"),
      databasePassword: secret("modelDbPassword"),
      providerKeys: {
        anthropic: config.secrets.anthropicApiKey && secret("anthropicApiKey"),
        openai: config.secrets.openaiApiKey && secret("openaiApiKey"),
        google: config.secrets.googleApiKey && secret("googleApiKey"),
      },
      keySecret: secret("modelKeySecret"),
    },
    opts,
  );
  new EgressProxy(
    "egress-proxy",
    {
      cell: config.cell,
      host,
      image: config.images.egressProxy,
      workers: config.network.workers,
      networks: nets,
      configDir: `${config.hostConfigDir}/squid`,
      roster: active.map((e) => ({
        slug: e.slug,
        slot: e.slot,
        ...pick(capabilities.get(e.slug)!),
      })),
    },
    opts,
  );
  new Edge(
    "edge",
    {
      cell: config.cell,
      host,
      zone: config.zone,
      dashboardOrigin: config.dashboardOrigin,
      images: { edgeProxy: config.images.edgeProxy, gatekeeper: config.images.gatekeeper },
      workersSubnet: config.network.workers,
      edgeSubnet: config.network.edge,
      networks: nets,
      configDir: `${config.hostConfigDir}/edge`,
      tls: site.tls,
      ticketSecret: secret("ticketSecret"),
      trustedProxies: config.kind === "prod" ? [...CLOUDFLARE_RANGES] : [],
      workers: active.map((e) => ({ slug: e.slug, userId: e.user_id, slot: e.slot })),
    },
    opts,
  );
  new Monitors(
    "monitors",
    {
      host,
      cell: config.cell,
      workersSubnet: formatCidr(config.network.workers),
      workers: roster.map((e) => ({ slug: e.slug, slot: e.slot, state: e.state })),
      toolsImage: config.images.cellTools,
      alertWebhook: config.secrets.alertWebhookUrl && secret("alertWebhookUrl"),
      modelGatewayMasterKey: secret("modelGatewayMasterKey"),
    },
    { dependsOn: site.ready },
  );

  for (const entry of roster) {
    const plan = config.plans[entry.plan];
    const modelKey = gateway.workerKey({
      cell: config.cell,
      slug: entry.slug,
      userId: entry.user_id,
      planName: entry.plan,
      plan,
      state: entry.state,
    });
    new WorkerContainer(
      `worker-${entry.slug}`,
      {
        host,
        entry,
        plan,
        cell: config.cell,
        zone: config.zone,
        image: config.images.worker,
        workers: config.network.workers,
        networkName: networks.workers.name,
        modelKey,
        browser: capabilities.get(entry.slug)!.browser,
      },
      opts,
    );
  }

  return {
    activeWorkers: active.map((e) => e.slug),
    suspendedWorkers: roster.filter((e) => e.state === "suspended").map((e) => e.slug),
    workersNetwork: networks.workers.name,
  };
}

function pick(c: WorkerCapabilities) {
  return { browser: c.browser, egressDomains: c.egressDomains };
}

/**
 * Where the cell runs. A dev cell is this machine's engine with Caddy's own CA; a prod cell is a Hetzner
 * server reached over SSH, with its public names and Origin CA certificate in Cloudflare.
 */
function declareSite(config: CellConfig, roster: RosterEntry[]): Site {
  if (config.kind === "dev" || !config.host) {
    const local = new docker.Provider("docker", { host: "unix:///var/run/docker.sock" });
    return { host: { kind: "local" }, docker: local, ready: [], tls: { mode: "internal" } };
  }
  const cellHost = new CellHost("cell-host", {
    cell: config.cell,
    ...config.host,
    firewallScriptPath: firewallPath(config),
    protect: true,
  });
  const dns = new CellDns("cell-dns", {
    zone: config.zone,
    zoneId: config.host.cloudflareZoneId,
    cell: config.cell,
    ipv4: cellHost.server.ipv4Address,
    workers: roster.filter((e) => e.state === "active").map((e) => e.slug),
  });
  return {
    host: cellHost.connection,
    docker: cellHost.docker,
    ready: [cellHost.ready],
    tls: { mode: "files", certPem: dns.originCertificate, keyPem: dns.originKey },
  };
}

function firewallPath(config: CellConfig): string {
  return `${config.hostConfigDir}/firewall.sh`;
}
