/**
 * The egress proxy's configuration. Squid tells workers apart by source address: every worker sits at the
 * fixed address of its slot on the workers bridge, holds no CAP_NET_RAW or CAP_NET_ADMIN (every capability
 * is dropped) and so cannot forge another source, and the bridge has inter-container traffic disabled, so
 * no other container can answer for that address either. That makes the address as good as a credential
 * without handing the worker a proxy password it could leak.
 */
import { SLUG_PATTERN } from "../cell-contract";
import { parseIpv4 } from "../net";
import { domainProblem, mergeDomains } from "../templates/domains";

export interface EgressWorker {
  slug: string;
  address: string;
  /** Squid `dstdomain` entries: `.x.com` for a domain and its subdomains, `x.com` for that host only. */
  egressDomains: string[];
  /** Workers whose templates need no browser get no proxy access at all. */
  browser: boolean;
}

export interface SquidConfigArgs {
  workers: EgressWorker[];
  port: number;
  /** The proxy listens here only: its address on the workers bridge, never on the egress network. */
  listenAddress: string;
  /**
   * Destinations refused after name resolution, so an allowed name that resolves into the cell (or the
   * host) gives no way in. Defaults to every private, loopback and link-local range.
   */
  blockedDestinations?: string[];
  /** Where Squid resolves names first; tests point it at a file they control. */
  hostsFile?: string;
  accessLog?: string;
  cacheLog?: string;
  pidFile?: string;
  /** How long Squid waits for open tunnels on shutdown, in seconds. */
  shutdownSeconds?: number;
}

export const PRIVATE_DESTINATIONS = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "::1",
  "fc00::/7",
  "fe80::/10",
];

/** Where the container reads its configuration: a directory, so an atomic rename on the host shows. */
export const SQUID_CONFIG_DIR = "/etc/instantworker-squid";
export const SQUID_CONFIG_FILE = `${SQUID_CONFIG_DIR}/squid.conf`;
export const SQUID_PID_FILE = "/run/squid/squid.pid";

/** Renders `squid.conf`. Pure: the same workers give byte-identical text, so unchanged rosters reload nothing. */
export function renderSquidConfig(args: SquidConfigArgs): string {
  checkArgs(args);
  const workers = [...args.workers].sort((a, b) => a.slug.localeCompare(b.slug));
  const blocked = args.blockedDestinations ?? PRIVATE_DESTINATIONS;
  const guard = blocked.length ? " !blocked-destination" : "";
  return [
    "# Rendered by the InstantWorker cell program; edits are overwritten on the next deploy.",
    ...serviceLines(args),
    "",
    "# Only TLS tunnels to port 443, and never to an address written as a literal or resolving inside.",
    "acl tls-port port 443",
    "acl CONNECT method CONNECT",
    "acl ip-literal dstdom_regex -n ^[0-9.]+$ ^\\[?[0-9a-fA-F]*:[0-9a-fA-F:.]*\\]?$",
    ...(blocked.length ? [`acl blocked-destination dst ${blocked.join(" ")}`] : []),
    "http_access deny !CONNECT",
    "http_access deny !tls-port",
    "http_access deny ip-literal",
    "",
    "# One rule per browser worker: its own source address, the union of its templates' domains.",
    ...workers.flatMap((worker) => workerLines(worker, guard)),
    "",
    "http_access deny all",
    "",
  ].join("\n");
}

function serviceLines(args: SquidConfigArgs): string[] {
  return [
    `http_port ${args.listenAddress}:${args.port}`,
    "cache deny all",
    "cache_mem 0 MB",
    "forwarded_for delete",
    "httpd_suppress_version_string on",
    "pinger_enable off",
    "visible_hostname egress-proxy",
    `access_log ${args.accessLog ?? "stdio:/dev/stdout"}`,
    `cache_log ${args.cacheLog ?? "/dev/stderr"}`,
    "logfile_rotate 0",
    `pid_filename ${args.pidFile ?? SQUID_PID_FILE}`,
    "coredump_dir /tmp",
    `shutdown_lifetime ${args.shutdownSeconds ?? 10} seconds`,
    ...(args.hostsFile ? [`hosts_file ${args.hostsFile}`] : []),
  ];
}

function workerLines(worker: EgressWorker, guard: string): string[] {
  const domains = mergeDomains([worker.egressDomains]);
  if (!worker.browser || domains.length === 0) {
    return [`# ${worker.slug}: no browser template, no proxy access`];
  }
  return [
    `acl worker-${worker.slug} src ${worker.address}/32`,
    `acl domains-${worker.slug} dstdomain -n ${domains.join(" ")}`,
    // The destination check comes last in the rule so only names already allowed cost a lookup.
    `http_access allow worker-${worker.slug} domains-${worker.slug}${guard}`,
  ];
}

function checkArgs(args: SquidConfigArgs): void {
  if (!Number.isInteger(args.port) || args.port < 1 || args.port > 65535) {
    throw new Error(`Egress proxy port \`${args.port}\` is not a TCP port (accepted: 1 to 65535).`);
  }
  if (parseIpv4(args.listenAddress) === undefined) {
    throw new Error(
      `Egress proxy listen address \`${args.listenAddress}\` is not an IPv4 address.`,
    );
  }
  const seen = new Map<string, string>();
  for (const worker of args.workers) {
    checkWorker(worker);
    const other = seen.get(worker.address);
    if (other !== undefined) {
      throw new Error(
        `Workers \`${other}\` and \`${worker.slug}\` share the address \`${worker.address}\` (accepted: one address per worker).`,
      );
    }
    seen.set(worker.address, worker.slug);
  }
}

function checkWorker(worker: EgressWorker): void {
  if (!SLUG_PATTERN.test(worker.slug)) {
    throw new Error(`Worker slug \`${worker.slug}\` is not a slug (accepted: ${SLUG_PATTERN}).`);
  }
  if (parseIpv4(worker.address) === undefined) {
    throw new Error(`Worker \`${worker.slug}\` has address \`${worker.address}\`, not IPv4.`);
  }
  for (const domain of worker.egressDomains) {
    const problem = domainProblem(domain);
    if (problem) {
      throw new Error(`Worker \`${worker.slug}\` egress domain \`${domain}\` ${problem}.`);
    }
  }
}
