/**
 * A small client for the Docker Engine API over its Unix socket. The cell tools need a handful of calls
 * (list, inspect, restart, archive a path, remove a volume), and speaking the API directly keeps the docker
 * CLI out of the tools image.
 */
import http from "node:http";
import type { Readable } from "node:stream";

export class DockerApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "DockerApiError";
  }
}

export interface DockerApi {
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Starts a request whose response body is streamed (GET archive). */
  stream(method: string, path: string): Promise<Readable>;
  /** Sends a streamed request body (PUT archive). */
  upload(path: string, body: Readable): Promise<void>;
}

function socketFrom(env: NodeJS.ProcessEnv): string {
  const host = env.DOCKER_HOST;
  if (!host) return "/var/run/docker.sock";
  if (host.startsWith("unix://")) return host.slice("unix://".length);
  throw new Error(
    `DOCKER_HOST \`${host}\` is not supported; the cell tools accept unix:// sockets only.`,
  );
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function dockerApi(socketPath = socketFrom(process.env)): DockerApi {
  const request = (method: string, path: string, headers: Record<string, string> = {}) =>
    new Promise<{ req: http.ClientRequest; res: Promise<http.IncomingMessage> }>((resolve) => {
      let settle!: (r: http.IncomingMessage) => void;
      let fail!: (e: Error) => void;
      const res = new Promise<http.IncomingMessage>((a, b) => ((settle = a), (fail = b)));
      const req = http.request({ socketPath, method, path: `/v1.41${path}`, headers }, settle);
      req.on("error", fail);
      resolve({ req, res });
    });

  const checked = async (res: http.IncomingMessage, what: string) => {
    if ((res.statusCode ?? 500) < 300) return res;
    const text = await readAll(res);
    let message = text.trim();
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the text
    }
    throw new DockerApiError(res.statusCode ?? 500, `Docker refused ${what}: ${message}`);
  };

  return {
    async json<T>(method: string, path: string, body?: unknown): Promise<T> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = payload ? { "content-type": "application/json" } : {};
      const { req, res } = await request(method, path, headers);
      req.end(payload);
      const text = await readAll(await checked(await res, `${method} ${path.split("?")[0]}`));
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async stream(method: string, path: string): Promise<Readable> {
      const { req, res } = await request(method, path);
      req.end();
      return checked(await res, `${method} ${path.split("?")[0]}`);
    },
    async upload(path: string, body: Readable): Promise<void> {
      const { req, res } = await request("PUT", path, { "content-type": "application/x-tar" });
      body.pipe(req);
      await readAll(await checked(await res, `PUT ${path.split("?")[0]}`));
    },
  };
}
