/**
 * The cell's egress proxy: one Squid on the workers bridge (at its fixed address) and the egress network.
 * Its container never changes with the roster. The config lives in a host directory mounted read-only;
 * a roster change rewrites the file through a host command and reloads Squid in place, so a signup
 * neither replaces nor restarts the proxy and other workers' open tunnels stay up.
 */
import { createHash } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABELS, PORTS, serviceAddress, workerAddress } from "../lib/cell-contract";
import type { Cidr } from "../lib/net";
import { renderSquidConfig, SQUID_CONFIG_DIR } from "../lib/render/squid";
import { HostCommand, type HostConnection, shellQuote } from "./host-command";

export interface EgressWorkerArgs {
  slug: string;
  slot: number;
  browser: boolean;
  egressDomains: string[];
}

export interface EgressProxyArgs {
  cell: string;
  host: HostConnection;
  /** The image built from `images/squid`, pinned. */
  image: string;
  workers: Cidr;
  networks: { workers: pulumi.Input<string>; egress: pulumi.Input<string> };
  /** Host directory holding `squid.conf`; mounted into the container read-only. */
  configDir: string;
  /** Running workers only: a suspended worker has no container and needs no rule. */
  roster: EgressWorkerArgs[];
}

export const EGRESS_PROXY_CONTAINER = "iw-egress-proxy";
/** Debian's fixed `proxy` account, which the image runs as; its tmpfs mounts belong to it. */
const PROXY_UID = 13;

export class EgressProxy extends pulumi.ComponentResource {
  readonly address: string;
  /** What browser workers put in `HTTPS_PROXY` and `HTTP_PROXY`. */
  readonly url: string;
  readonly config: string;
  readonly container: docker.Container;

  constructor(name: string, args: EgressProxyArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Checked before the component registers, so a refusal leaves nothing half-declared behind.
    if (!/^\/[\w./-]+$/.test(args.configDir) || args.configDir.includes("..")) {
      throw new Error(
        `Egress proxy config directory \`${args.configDir}\` is not an absolute path without '..' (accepted: e.g. /opt/instantworker/egress-proxy).`,
      );
    }
    const address = serviceAddress(args.workers, "egressProxy");
    const config = renderSquidConfig({
      workers: args.roster.map((w) => ({ ...w, address: workerAddress(args.workers, w.slot) })),
      port: PORTS.egressProxy,
      listenAddress: address,
    });
    super("instantworker:egress:Proxy", name, {}, opts);
    this.address = address;
    this.url = `http://${address}:${PORTS.egressProxy}`;
    this.config = config;

    const push = new HostCommand(
      `${name}-config`,
      {
        host: args.host,
        create: renderConfigPushScript(args.configDir, this.config),
        update: renderConfigPushScript(args.configDir, this.config),
        stdin: this.config,
        logOutput: true,
      },
      { parent: this },
    );
    this.container = this.declareContainer(name, args, push.resource);
    this.registerOutputs({ address: this.address, url: this.url });
  }

  private declareContainer(name: string, args: EgressProxyArgs, push: pulumi.Resource) {
    return new docker.Container(
      `${name}-squid`,
      {
        name: EGRESS_PROXY_CONTAINER,
        image: args.image,
        // Squid refuses to signal a process whose pid file says 1, so an init runs as pid 1 instead.
        init: true,
        readOnly: true,
        tmpfs: {
          "/run/squid": `rw,noexec,nosuid,size=16m,mode=0755,uid=${PROXY_UID},gid=${PROXY_UID}`,
          "/tmp": "rw,noexec,nosuid,size=64m,mode=1777",
        },
        mounts: [
          { type: "bind", source: args.configDir, target: SQUID_CONFIG_DIR, readOnly: true },
        ],
        networksAdvanced: [
          { name: args.networks.workers, ipv4Address: this.address },
          { name: args.networks.egress },
        ],
        capabilities: { drops: ["ALL"] },
        securityOpts: ["no-new-privileges:true"],
        healthcheck: {
          tests: ["CMD", "squid", "-k", "check", "-f", `${SQUID_CONFIG_DIR}/squid.conf`],
          interval: "30s",
          timeout: "5s",
          retries: 3,
        },
        memory: 512,
        restart: "unless-stopped",
        labels: [
          { label: LABELS.cell, value: args.cell },
          { label: LABELS.role, value: "egress-proxy" },
        ],
      },
      // Only ordering: the container does not depend on the config's content, so it never follows it.
      { parent: this, deleteBeforeReplace: true, dependsOn: [push] },
    );
  }
}

/**
 * Writes the config read from stdin beside the live one, has the running Squid parse it, then swaps it
 * in by rename and reloads. A config Squid refuses never replaces the working one. The digest line makes
 * each new config a visible change in the preview.
 */
export function renderConfigPushScript(
  configDir: string,
  config: string,
  container = EGRESS_PROXY_CONTAINER,
): string {
  const digest = createHash("sha256").update(config).digest("hex");
  const inContainer = (file: string) => shellQuote(`${SQUID_CONFIG_DIR}/${file}`);
  return [
    `# egress proxy config sha256 ${digest}`,
    "set -euo pipefail",
    `dir=${shellQuote(configDir)}`,
    `name=${shellQuote(container)}`,
    'install -d -m 0755 "$dir"',
    'cat > "$dir/squid.conf.next"',
    'chmod 0644 "$dir/squid.conf.next"',
    'if [[ "$(docker inspect -f "{{.State.Running}}" "$name" 2>/dev/null)" != true ]]; then',
    '  mv -f "$dir/squid.conf.next" "$dir/squid.conf"',
    "  exit 0",
    "fi",
    `if ! problems=$(docker exec "$name" squid -k parse -f ${inContainer("squid.conf.next")} 2>&1); then`,
    '  echo "egress proxy: Squid refused the new config, the running one stays:" >&2',
    '  grep -E "FATAL|ERROR" <<<"$problems" >&2 || true',
    '  rm -f "$dir/squid.conf.next"',
    "  exit 1",
    "fi",
    'mv -f "$dir/squid.conf.next" "$dir/squid.conf"',
    `docker exec "$name" squid -k reconfigure -f ${inContainer("squid.conf")}`,
    'echo "egress proxy: config $(sha256sum "$dir/squid.conf" | cut -c1-12) loaded"',
    "",
  ].join("\n");
}
