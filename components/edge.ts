/**
 * The cell's edge: Caddy terminating TLS for every worker hostname, and the gatekeeper it asks about every
 * request. Neither container depends on the roster. A signup rewrites the Caddyfile and the host map on
 * the host through host commands; Caddy reloads in place and the gatekeeper re-reads its map, so no
 * container is replaced or restarted and nobody else's connection drops.
 */
import { createHash } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { renderHostMap } from "../gatekeeper/hosts";
import { LABELS, PORTS, serviceAddress, workerAddress, workerHostname } from "../lib/cell-contract";
import { type Cidr, formatCidr } from "../lib/net";
import { renderCaddyfile } from "../lib/render/caddyfile";
import { HostCommand, type HostConnection, shellQuote } from "./host-command";

export const EDGE_PROXY_CONTAINER = "iw-edge-proxy";
export const GATEKEEPER_CONTAINER = "iw-gatekeeper";
export const GATEKEEPER_UID = 10002;
const CADDY_DIR = "/etc/caddy";

export interface EdgeWorkerArgs {
  slug: string;
  userId: string;
  slot: number;
}

export interface EdgeArgs {
  cell: string;
  host: HostConnection;
  zone: string;
  dashboardOrigin: string;
  /** Pinned images: Caddy (official image or a local build) and the one built from images/gatekeeper. */
  images: { edgeProxy: string; gatekeeper: string };
  workersSubnet: Cidr;
  edgeSubnet: Cidr;
  networks: {
    workers: pulumi.Input<string>;
    egress: pulumi.Input<string>;
    edge: pulumi.Input<string>;
  };
  /** Host directory for the Caddyfile, certificate, host map and gatekeeper secrets. */
  configDir: string;
  /** The Cloudflare Origin CA pair in production; Caddy's own internal CA on the dev stack. */
  tls:
    | { mode: "files"; certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> }
    | { mode: "internal" };
  /** Shared with the dashboard, which signs tickets with it. */
  ticketSecret: pulumi.Input<string>;
  /** Cloudflare's ranges in production: the only peers whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  /** Running workers only: a suspended worker gets no site and no host map entry. */
  workers: EdgeWorkerArgs[];
  /** Host ports Caddy publishes; 80 and 443 unless the dev stack moves them. */
  publish?: { http: number; https: number };
}

export class Edge extends pulumi.ComponentResource {
  readonly caddyfile: string;
  readonly hostMap: string;
  readonly edgeProxy: docker.Container;
  readonly gatekeeper: docker.Container;

  constructor(name: string, args: EdgeArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("instantworker:edge:Edge", name, {}, opts);
    if (!/^\/[\w./-]+$/.test(args.configDir) || args.configDir.includes("..")) {
      throw new Error(
        `Edge config directory \`${args.configDir}\` is not an absolute path without '..' (accepted: e.g. /opt/instantworker/edge).`,
      );
    }
    this.caddyfile = renderCaddyfile({
      zone: args.zone,
      dashboardOrigin: args.dashboardOrigin,
      workers: args.workers.map((w) => ({
        slug: w.slug,
        address: workerAddress(args.workersSubnet, w.slot),
      })),
      gatekeeper: `${GATEKEEPER_CONTAINER}:${PORTS.gatekeeper}`,
      tls:
        args.tls.mode === "files"
          ? {
              mode: "files",
              cert: `${CADDY_DIR}/tls/origin.pem`,
              key: `${CADDY_DIR}/tls/origin.key`,
            }
          : { mode: "internal" },
      trustedProxies: args.trustedProxies,
    });
    this.hostMap = renderHostMap(
      args.cell,
      args.workers.map((w) => ({
        host: workerHostname(w.slug, args.zone),
        slug: w.slug,
        userId: w.userId,
      })),
    );

    const pushes = this.pushFiles(name, args);
    this.gatekeeper = this.declareGatekeeper(name, args, pushes);
    this.edgeProxy = this.declareEdgeProxy(name, args, pushes);
    this.registerOutputs({ caddyfile: this.caddyfile });
  }

  private pushFiles(name: string, args: EdgeArgs): pulumi.Resource[] {
    const dir = args.configDir;
    const push = (
      suffix: string,
      script: string,
      stdin: pulumi.Input<string>,
      after: pulumi.Resource[] = [],
    ) =>
      new HostCommand(
        `${name}-${suffix}`,
        // Stdout stays out of the engine's log: these scripts never print what stdin carried, but say so.
        { host: args.host, create: script, update: script, stdin, logOutput: false },
        { parent: this, dependsOn: after },
      ).resource;
    const cookieSecret = new random.RandomPassword(
      `${name}-cookie-secret`,
      { length: 48, special: false },
      { parent: this },
    );
    const secrets = pulumi
      .all([args.ticketSecret, cookieSecret.result])
      .apply(([ticketSecret, cookie]) => JSON.stringify({ ticketSecret, cookieSecret: cookie }));
    const pushed = [
      push("secrets", secretsScript(dir), pulumi.secret(secrets)),
      push(
        "hosts",
        fileScript(`${dir}/gatekeeper/hosts.json`, "0644", digest(this.hostMap)),
        this.hostMap,
      ),
    ];
    if (args.tls.mode === "files") {
      const pem = pulumi.secret(pulumi.concat(args.tls.certPem, "\n", args.tls.keyPem));
      pushed.push(push("tls", tlsScript(dir), pem));
    }
    // After the certificate, because Caddy validates a Caddyfile by loading the files it names.
    pushed.push(
      push("caddyfile", caddyfileScript(dir, this.caddyfile), this.caddyfile, [...pushed]),
    );
    return pushed;
  }

  private declareGatekeeper(name: string, args: EdgeArgs, after: pulumi.Resource[]) {
    const trusted = [formatCidr(args.edgeSubnet), ...args.trustedProxies].join(",");
    return new docker.Container(
      `${name}-gatekeeper`,
      {
        name: GATEKEEPER_CONTAINER,
        image: args.images.gatekeeper,
        user: `${GATEKEEPER_UID}:${GATEKEEPER_UID}`,
        envs: [`IW_GATEKEEPER_TRUSTED_PROXIES=${trusted}`],
        readOnly: true,
        mounts: [
          {
            type: "bind",
            source: `${args.configDir}/gatekeeper`,
            target: "/config",
            readOnly: true,
          },
          { type: "bind", source: `${args.configDir}/secrets`, target: "/secrets", readOnly: true },
        ],
        networksAdvanced: [{ name: args.networks.edge }],
        capabilities: { drops: ["ALL"] },
        securityOpts: ["no-new-privileges:true"],
        memory: 256,
        restart: "unless-stopped",
        labels: roleLabels(args.cell, "gatekeeper"),
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: after },
    );
  }

  private declareEdgeProxy(name: string, args: EdgeArgs, after: pulumi.Resource[]) {
    const publish = args.publish ?? { http: 80, https: 443 };
    const data = new docker.Volume(
      `${name}-caddy-data`,
      { name: "iw-edge-caddy-data", labels: roleLabels(args.cell, "edge-proxy") },
      { parent: this, retainOnDelete: true },
    );
    return new docker.Container(
      `${name}-caddy`,
      {
        name: EDGE_PROXY_CONTAINER,
        image: args.images.edgeProxy,
        command: ["caddy", "run", "--config", `${CADDY_DIR}/Caddyfile`, "--adapter", "caddyfile"],
        readOnly: true,
        tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m", "/config": "rw,noexec,nosuid,size=16m" },
        mounts: [
          { type: "bind", source: `${args.configDir}/caddy`, target: CADDY_DIR, readOnly: true },
          { type: "volume", source: data.name, target: "/data" },
        ],
        ports: [
          { internal: 80, external: publish.http },
          { internal: 443, external: publish.https },
        ],
        networksAdvanced: [
          {
            name: args.networks.workers,
            ipv4Address: serviceAddress(args.workersSubnet, "edgeProxy"),
          },
          { name: args.networks.edge },
          { name: args.networks.egress },
        ],
        capabilities: { drops: ["ALL"], adds: ["NET_BIND_SERVICE"] },
        securityOpts: ["no-new-privileges:true"],
        memory: 512,
        restart: "unless-stopped",
        labels: roleLabels(args.cell, "edge-proxy"),
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: after },
    );
  }
}

function roleLabels(cell: string, role: "edge-proxy" | "gatekeeper") {
  return [
    { label: LABELS.cell, value: cell },
    { label: LABELS.role, value: role },
  ];
}

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

/** Writes stdin to `path` by rename, so a reader never sees half a file. */
function fileScript(path: string, mode: string, contentDigest: string): string {
  return [
    `# sha256 ${contentDigest}`,
    "set -euo pipefail",
    `file=${shellQuote(path)}`,
    'install -d -m 0755 "$(dirname "$file")"',
    'cat > "$file.next"',
    `chmod ${mode} "$file.next"`,
    'mv -f "$file.next" "$file"',
    "",
  ].join("\n");
}

/** The gatekeeper reads its secrets once, at start, so a changed secret restarts it (and only it). */
function secretsScript(dir: string): string {
  return [
    fileScript(
      `${dir}/secrets/gatekeeper.json`,
      "0400",
      "of the gatekeeper secrets, kept out of this line",
    ),
    `chown ${GATEKEEPER_UID}:${GATEKEEPER_UID} ${shellQuote(`${dir}/secrets/gatekeeper.json`)}`,
    `if [[ "$(docker inspect -f '{{.State.Running}}' ${GATEKEEPER_CONTAINER} 2>/dev/null)" == true ]]; then`,
    `  docker restart ${GATEKEEPER_CONTAINER} >/dev/null`,
    "fi",
    "",
  ].join("\n");
}

/** Splits the certificate chain and the key from stdin; the key stays readable by root only. */
function tlsScript(dir: string): string {
  return [
    "set -euo pipefail",
    `tls=${shellQuote(`${dir}/caddy/tls`)}`,
    'install -d -m 0700 "$tls"',
    "pem=$(cat)",
    'awk \'/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/\' <<<"$pem" > "$tls/origin.pem.next"',
    '(umask 077; awk \'/-----BEGIN [A-Z ]*PRIVATE KEY-----/,/-----END [A-Z ]*PRIVATE KEY-----/\' <<<"$pem" > "$tls/origin.key.next")',
    'mv -f "$tls/origin.pem.next" "$tls/origin.pem"',
    'mv -f "$tls/origin.key.next" "$tls/origin.key"',
    reloadCaddy(),
    "",
  ].join("\n");
}

function reloadCaddy(): string {
  return [
    `if [[ "$(docker inspect -f '{{.State.Running}}' ${EDGE_PROXY_CONTAINER} 2>/dev/null)" == true ]]; then`,
    `  docker exec ${EDGE_PROXY_CONTAINER} caddy reload --force --config ${CADDY_DIR}/Caddyfile --adapter caddyfile`,
    "fi",
  ].join("\n");
}

/**
 * Has the running Caddy validate the new Caddyfile before it replaces the live one, then reloads in place:
 * a config Caddy refuses never reaches the edge, and a reload keeps the process and its listeners.
 */
function caddyfileScript(dir: string, caddyfile: string): string {
  return [
    `# Caddyfile sha256 ${digest(caddyfile)}`,
    "set -euo pipefail",
    `dir=${shellQuote(`${dir}/caddy`)}`,
    'install -d -m 0755 "$dir"',
    'cat > "$dir/Caddyfile.next"',
    `if [[ "$(docker inspect -f '{{.State.Running}}' ${EDGE_PROXY_CONTAINER} 2>/dev/null)" == true ]] &&`,
    `  ! docker exec ${EDGE_PROXY_CONTAINER} caddy validate --config ${CADDY_DIR}/Caddyfile.next --adapter caddyfile >/dev/null 2>&1; then`,
    '  echo "edge proxy: Caddy refused the new Caddyfile; the running one stays" >&2',
    '  rm -f "$dir/Caddyfile.next"',
    "  exit 1",
    "fi",
    'mv -f "$dir/Caddyfile.next" "$dir/Caddyfile"',
    reloadCaddy(),
    "",
  ].join("\n");
}
