/** An alert webhook the tests run on loopback: it records every POST body as parsed JSON. */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  contentType: string | undefined;
  raw: string;
  body: Record<string, unknown>;
}

export async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        body = { unparsable: true };
      }
      received.push({ path: req.url ?? "", contentType: req.headers["content-type"], raw, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/instantworker`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The fields every alert must carry, whatever the monitor. */
export function assertAlertShape(body: Record<string, unknown>, cell: string): string[] {
  const problems: string[] = [];
  if (body.source !== "instantworker-cell-tools") problems.push("source");
  if (body.cell !== cell) problems.push("cell");
  if (!(typeof body.slug === "string" || body.slug === null)) problems.push("slug");
  for (const key of ["monitor", "kind", "severity", "summary", "at"]) {
    if (typeof body[key] !== "string" || !(body[key] as string).length) problems.push(key);
  }
  if (
    body.excerpt !== undefined &&
    (typeof body.excerpt !== "string" || body.excerpt.length > 160)
  ) {
    problems.push("excerpt");
  }
  return problems;
}
