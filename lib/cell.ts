/**
 * Declares one cell from a validated configuration and roster: the networks, the host firewall, the
 * shared services and one worker per roster row. Everything here is wiring; what each resource looks
 * like comes from the pure renderers.
 */
import { createHmac } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CellDns } from "../components/cell-dns";
import { CellHost } from "../components/cell-host";
import { CellNetworks } from "../components/cell-networks";
import { HostFirewall } from "../components/host-firewall";
import type { HostConnection } from "../components/host-command";
import { WorkerContainer } from "../components/worker-container";
import { NETWORKS } from "./cell-contract";
import type { CellConfig } from "./config";
import type { RosterEntry } from "./roster/types";

/** What the cell needs to know of a worker's templates to place it on the networks. */
export interface CapabilityLookup {
  browser(templateIds: string[]): boolean;
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

export function declareCell({ config, roster, templates }: CellInputs): CellOutputs {
  const site = declareSite(config, roster);
  const { host } = site;
  const withProvider = { providers: { docker: site.docker }, dependsOn: site.ready };

  const networks = new CellNetworks("cell", { cell: config.cell, ...config.network }, withProvider);
  new HostFirewall(
    "cell-firewall",
    {
      host,
      bridge: NETWORKS.workers,
      workers: config.network.workers,
    },
    { dependsOn: [networks] },
  );

  const keySecret = pulumi.secret(config.secrets.modelKeySecret ?? "");
  for (const entry of roster) {
    new WorkerContainer(
      `worker-${entry.slug}`,
      {
        host,
        entry,
        plan: config.plans[entry.plan],
        cell: config.cell,
        zone: config.zone,
        image: config.images.worker,
        workers: config.network.workers,
        networkName: networks.workers.name,
        modelKey: keySecret.apply((s) => deriveModelKey(s, entry.user_id)),
        browser: templates.browser(entry.templates),
      },
      withProvider,
    );
  }

  return {
    activeWorkers: roster.filter((e) => e.state === "active").map((e) => e.slug),
    suspendedWorkers: roster.filter((e) => e.state === "suspended").map((e) => e.slug),
    workersNetwork: networks.workers.name,
  };
}

interface Site {
  host: HostConnection;
  docker: docker.Provider;
  /** What containers must wait for: the host's engine and settings. */
  ready: pulumi.Resource[];
}

/**
 * Where the cell runs. A dev cell is this machine's engine; a prod cell is a Hetzner server reached over
 * SSH, with its public names and origin certificate in Cloudflare.
 */
function declareSite(config: CellConfig, roster: RosterEntry[]): Site {
  if (config.kind === "dev" || !config.host) {
    const local = new docker.Provider("docker", { host: "unix:///var/run/docker.sock" });
    return { host: { kind: "local" }, docker: local, ready: [] };
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
    host: cellHost.connection,
    tlsDir: `${config.hostConfigDir}/caddy/tls`,
  });
  return {
    host: cellHost.connection,
    docker: cellHost.docker,
    ready: [cellHost.ready, dns.installed],
  };
}

function firewallPath(config: CellConfig): string {
  return `${config.hostConfigDir}/firewall.sh`;
}

function deriveModelKey(secret: string, userId: string): string {
  return `sk-iw-${createHmac("sha256", secret).update(userId).digest("hex")}`;
}
