/**
 * LiteLLM admin API stand-in. LiteLLM cannot be installed on these machines (PyPI and its image registry
 * are out of reach), so this node server plays its key endpoints as LiteLLM documents them: master-key
 * auth, keys that must start with `sk-`, unique aliases, 404 for an unknown key. It records every request
 * so a test can assert the exact calls a script made.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  method: string;
  path: string;
  body?: Record<string, unknown>;
}

export interface StandIn {
  url: string;
  calls: RecordedCall[];
  /** Key state by key value, as LiteLLM would hold it in its database. */
  keys: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

type Reply = [number, unknown];

export async function startAdminStandIn(masterKey: string): Promise<StandIn> {
  const calls: RecordedCall[] = [];
  const keys = new Map<string, Record<string, unknown>>();
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      const path = req.url ?? "";
      if (!path.startsWith("/health/")) calls.push({ method: req.method ?? "", path, body });
      const [status, payload] =
        req.headers.authorization === `Bearer ${masterKey}` || path.startsWith("/health/")
          ? route(keys, req.method ?? "", path, body ?? {})
          : [401, { error: { message: "Authentication Error" } }];
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    keys,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function route(
  keys: Map<string, Record<string, unknown>>,
  method: string,
  path: string,
  body: Record<string, unknown>,
): Reply {
  const url = new URL(path, "http://stand-in");
  const key = String(body.key ?? url.searchParams.get("key") ?? "");
  const known = keys.get(key);
  switch (`${method} ${url.pathname}`) {
    case "GET /health/readiness":
      return [200, { status: "connected" }];
    case "GET /key/info":
      return known ? [200, { key, info: known }] : [404, { error: "key not found" }];
    case "POST /key/generate":
      return generate(keys, key, body);
    case "POST /key/update":
      if (!known) return [404, { error: "key not found" }];
      keys.set(key, { ...known, ...withoutKey(body) });
      return [200, { key, ...keys.get(key) }];
    case "POST /key/block":
    case "POST /key/unblock":
      if (!known) return [404, { error: "key not found" }];
      keys.set(key, { ...known, blocked: url.pathname === "/key/block" });
      return [200, { key, ...keys.get(key) }];
    case "POST /key/delete":
      return remove(keys, body);
    default:
      return [404, { error: `no route ${method} ${url.pathname}` }];
  }
}

function generate(
  keys: Map<string, Record<string, unknown>>,
  key: string,
  body: Record<string, unknown>,
): Reply {
  if (!key.startsWith("sk-")) return [400, { error: "key must start with sk-" }];
  if (keys.has(key)) return [400, { error: "key already exists" }];
  const aliasTaken = [...keys.values()].some((k) => k.key_alias === body.key_alias);
  if (body.key_alias !== undefined && aliasTaken)
    return [400, { error: "key_alias already exists" }];
  keys.set(key, { blocked: false, ...withoutKey(body) });
  return [200, { key, ...keys.get(key) }];
}

function remove(keys: Map<string, Record<string, unknown>>, body: Record<string, unknown>): Reply {
  const byKey = (body.keys as string[] | undefined) ?? [];
  const byAlias = (body.key_aliases as string[] | undefined) ?? [];
  const doomed = [...keys.entries()]
    .filter(([k, v]) => byKey.includes(k) || byAlias.includes(String(v.key_alias)))
    .map(([k]) => k);
  if (doomed.length === 0) return [404, { error: "no matching key" }];
  for (const k of doomed) keys.delete(k);
  return [200, { deleted_keys: doomed }];
}

function withoutKey(body: Record<string, unknown>): Record<string, unknown> {
  const { key: _key, ...rest } = body;
  return rest;
}
