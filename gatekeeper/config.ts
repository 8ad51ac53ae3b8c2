/**
 * The gatekeeper's settings, read once from its environment and its secrets file. Every problem is one
 * sentence naming the variable and what it accepts; secrets are never echoed.
 */
import { readFileSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import { type RateLimit, parseRateLimit } from "./rate-limit";

export interface GatekeeperConfig {
  listenHost: string;
  listenPort: number;
  hostsFile: string;
  ticketSecret: string;
  cookieSecret: string;
  sessionSeconds: number;
  sessionRate: RateLimit;
  addressRate: RateLimit;
  /** Proxies whose `X-Forwarded-For` entries are believed: the edge proxy and, in production, Cloudflare. */
  trustedProxies: BlockList;
  hostsPollMs: number;
}

export const MIN_SECRET_LENGTH = 32;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const text = env[name] ?? String(fallback);
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} \`${text}\` is not a whole number from ${min} to ${max}`);
  }
  return value;
}

export function parseTrustedProxies(text: string, name: string): BlockList {
  const list = new BlockList();
  for (const item of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [address, prefix, ...rest] = item.split("/");
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (!family || rest.length || !Number.isInteger(bits) || bits < 0 || bits > max) {
      throw new Error(`${name} entry \`${item}\` is not an IP address or CIDR range`);
    }
    list.addSubnet(address, bits, family === 6 ? "ipv6" : "ipv4");
  }
  return list;
}

function readSecrets(path: string): { ticketSecret: string; cookieSecret: string } {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new Error(`IW_GATEKEEPER_SECRETS_FILE \`${path}\` is not a readable JSON file`);
  }
  for (const key of ["ticketSecret", "cookieSecret"]) {
    const value = parsed?.[key];
    if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) {
      throw new Error(
        `the secrets file's \`${key}\` is missing or shorter than ${MIN_SECRET_LENGTH} characters`,
      );
    }
  }
  return { ticketSecret: String(parsed.ticketSecret), cookieSecret: String(parsed.cookieSecret) };
}

export function loadConfig(env: NodeJS.ProcessEnv): GatekeeperConfig {
  const listen = env.IW_GATEKEEPER_LISTEN ?? "0.0.0.0:9090";
  const match = /^(.+):(\d{1,5})$/.exec(listen);
  if (!match || !isIP(match[1]) || Number(match[2]) > 65535) {
    throw new Error(`IW_GATEKEEPER_LISTEN \`${listen}\` is not <ip>:<port> (e.g. 0.0.0.0:9090)`);
  }
  return {
    listenHost: match[1],
    listenPort: Number(match[2]),
    hostsFile: env.IW_GATEKEEPER_HOSTS_FILE ?? "/config/hosts.json",
    ...readSecrets(env.IW_GATEKEEPER_SECRETS_FILE ?? "/secrets/gatekeeper.json"),
    sessionSeconds: integer(env, "IW_GATEKEEPER_SESSION_SECONDS", 900, 60, 86_400),
    sessionRate: parseRateLimit(
      env.IW_GATEKEEPER_SESSION_RATE ?? "30/300",
      "IW_GATEKEEPER_SESSION_RATE",
    ),
    addressRate: parseRateLimit(
      env.IW_GATEKEEPER_ADDRESS_RATE ?? "60/600",
      "IW_GATEKEEPER_ADDRESS_RATE",
    ),
    trustedProxies: parseTrustedProxies(
      env.IW_GATEKEEPER_TRUSTED_PROXIES ?? "",
      "IW_GATEKEEPER_TRUSTED_PROXIES",
    ),
    hostsPollMs: integer(env, "IW_GATEKEEPER_HOSTS_POLL_MS", 1000, 100, 60_000),
  };
}

/**
 * The client's address: walking `X-Forwarded-For` from the right, past every trusted proxy, to the first
 * hop nobody trusted. Entries left of it were written by the client and prove nothing.
 */
export function clientAddress(forwardedFor: string | undefined, peer: string, trusted: BlockList) {
  const hops = [...(forwardedFor ?? "").split(","), peer]
    .map((s) => s.trim().replace(/^::ffff:(?=\d+\.)/, ""))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const family = isIP(hops[i]);
    if (!family) return hops[i + 1] ?? peer;
    if (!trusted.check(hops[i], family === 6 ? "ipv6" : "ipv4")) return hops[i];
  }
  return hops[0] ?? peer;
}
