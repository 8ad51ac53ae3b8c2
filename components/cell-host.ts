/**
 * The cell's Hetzner server: firewall, SSH key, minimal cloud-init, and the host set-up pushed over SSH.
 * It hands back the connection every host command uses and the Docker provider that reaches the
 * server's engine over SSH.
 */
import { createHash } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { CLOUDFLARE_RANGES } from "../lib/cloudflare-ranges";
import { renderCloudInit } from "../lib/render/cloud-init";
import { renderHostSetupScript } from "../lib/render/host-setup";
import { HostCommand, type HostConnection } from "./host-command";

export interface CellHostArgs {
  cell: string;
  serverType: string;
  location: string;
  image: string;
  operatorCidrs: string[];
  sshPublicKey: string;
  dockerVersion: string;
  firewallScriptPath: string;
  /** Production servers cannot be deleted or rebuilt by a mistaken deploy. */
  protect: boolean;
}

export class CellHost extends pulumi.ComponentResource {
  readonly server: hcloud.Server;
  readonly connection: HostConnection;
  readonly docker: docker.Provider;
  /** Finishes when the Docker engine and daemon settings are in place; containers wait for it. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: CellHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("instantworker:cell:Host", name, {}, opts);
    const child = { parent: this };
    const key = new hcloud.SshKey(`${name}-operators`, { publicKey: args.sshPublicKey }, child);
    const firewall = new hcloud.Firewall(`${name}-firewall`, { rules: firewallRules(args) }, child);

    this.server = new hcloud.Server(
      `${name}-server`,
      {
        name: `iw-${args.cell}`,
        serverType: args.serverType,
        image: args.image,
        location: args.location,
        sshKeys: [key.id],
        firewallIds: [firewall.id.apply(Number)],
        userData: renderCloudInit({ hostname: `iw-${args.cell}` }),
        publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
        deleteProtection: args.protect,
        rebuildProtection: args.protect,
        labels: { "instantworker-cell": args.cell },
      },
      { ...child, protect: args.protect, ignoreChanges: ["image"] },
    );

    // The operators' key is loaded in the deploying machine's ssh-agent; the state holds no private key.
    this.connection = { kind: "ssh", host: this.server.ipv4Address, user: "root" };
    const script = renderHostSetupScript(args);
    const setup = new HostCommand(
      `${name}-setup`,
      {
        host: this.connection,
        create: "bash -s",
        stdin: script,
        triggers: [createHash("sha256").update(script).digest("hex")],
      },
      { parent: this, dependsOn: [this.server] },
    );
    this.ready = setup.resource;
    this.docker = new docker.Provider(
      `${name}-docker`,
      {
        host: pulumi.interpolate`ssh://root@${this.server.ipv4Address}`,
        sshOpts: ["-o", "StrictHostKeyChecking=accept-new", "-o", "ServerAliveInterval=30"],
      },
      { parent: this, dependsOn: [setup.resource] },
    );
    this.registerOutputs({ ipv4: this.server.ipv4Address });
  }
}

function firewallRules(args: CellHostArgs): hcloud.types.input.FirewallRule[] {
  const web = (port: string) => ({
    direction: "in",
    protocol: "tcp",
    port,
    sourceIps: [...CLOUDFLARE_RANGES],
    description: `${port} from Cloudflare only`,
  });
  return [
    {
      direction: "in",
      protocol: "tcp",
      port: "22",
      sourceIps: args.operatorCidrs,
      description: "SSH from the operators only",
    },
    web("80"),
    web("443"),
  ];
}
