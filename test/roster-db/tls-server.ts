/**
 * A private PostgreSQL cluster on a random loopback port that accepts only TLS connections, with a
 * throwaway CA and a server certificate for `localhost`, as Supabase's pooler presents its own CA.
 */
import { freePort } from "../support/ports";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";

export function postgresBinDir(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => path.join(base, v, "bin")).find((d) => existsSync(`${d}/initdb`));
}

export interface TlsServer {
  port: number;
  caPath: string;
  superuser: { user: string; password: string };
  stop(): Promise<void>;
}

export async function startTlsServer(): Promise<TlsServer> {
  const bin = postgresBinDir()!;
  const dir = mkdtempSync(path.join(os.tmpdir(), "iw-roster-tls-"));
  const asOwner = ownerRunner(dir);
  const password = randomBytes(18).toString("base64url");
  writeFileSync(path.join(dir, "pw"), password);
  asOwner(`${bin}/initdb`, [
    "-D",
    `${dir}/data`,
    "-U",
    "postgres",
    "--pwfile",
    `${dir}/pw`,
    "-A",
    "scram-sha-256",
  ]);
  makeCertificates(dir);
  // Only TLS is admitted: a plaintext client gets no pg_hba entry at all.
  writeFileSync(`${dir}/data/pg_hba.conf`, "hostssl all all 127.0.0.1/32 scram-sha-256\n");

  const port = await freePort();
  const server = spawnOwned(dir, `${bin}/postgres`, [
    ...["-D", `${dir}/data`, "-p", String(port), "-c", "listen_addresses=127.0.0.1"],
    ...["-c", `unix_socket_directories=${dir}`, "-c", "ssl=on"],
    ...["-c", `ssl_cert_file=${dir}/server.crt`, "-c", `ssl_key_file=${dir}/server.key`],
  ]);
  const superuser = { user: "postgres", password };
  await waitUntilReady(port, `${dir}/ca.crt`, superuser, server);
  return {
    port,
    caPath: `${dir}/ca.crt`,
    superuser,
    stop: async () => {
      server.kill("SIGINT");
      await new Promise((resolve) =>
        server.exitCode !== null ? resolve(null) : server.once("exit", resolve),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** initdb refuses to run as root, so under root the cluster belongs to the `postgres` user. */
function ownerRunner(dir: string) {
  const root = process.getuid?.() === 0;
  if (root) chownSync(dir, uidOf("postgres"), gidOf("postgres"));
  return (cmd: string, args: string[]) =>
    execFileSync(root ? "runuser" : cmd, root ? ["-u", "postgres", "--", cmd, ...args] : args, {
      stdio: "pipe",
    });
}

function spawnOwned(dir: string, cmd: string, args: string[]): ChildProcess {
  const root = process.getuid?.() === 0;
  const child = root
    ? spawn(cmd, args, { uid: uidOf("postgres"), gid: gidOf("postgres"), stdio: "ignore" })
    : spawn(cmd, args, { stdio: "ignore" });
  child.on("error", () => undefined);
  return child;
}

function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  ssl(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", "ca.key"],
    ...["-out", "ca.crt", "-subj", "/CN=iw test roster CA"],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=keyCertSign,cRLSign"],
  );
  ssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  );
  // The certificate names `localhost` only, so a client that checks names refuses 127.0.0.1.
  writeFileSync(`${dir}/server.ext`, "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n");
  ssl(
    ...[
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
    ],
    ...["-out", "server.crt", "-days", "1", "-extfile", "server.ext"],
  );
  if (process.getuid?.() === 0)
    chownSync(`${dir}/server.key`, uidOf("postgres"), gidOf("postgres"));
  chmodSync(`${dir}/server.key`, 0o600);
}

const uidOf = (user: string) => Number(execFileSync("id", ["-u", user]).toString().trim());
const gidOf = (user: string) => Number(execFileSync("id", ["-g", user]).toString().trim());

async function waitUntilReady(
  port: number,
  caPath: string,
  superuser: { user: string; password: string },
  server: ChildProcess,
): Promise<void> {
  const ca = readFileSync(caPath, "utf8");
  for (let attempt = 0; attempt < 100; attempt++) {
    if (server.exitCode !== null)
      throw new Error(`the TLS test cluster exited with ${server.exitCode}`);
    const client = new Client({
      host: "localhost",
      port,
      database: "postgres",
      ...superuser,
      ssl: { ca },
    });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`the TLS test cluster on port ${port} did not accept connections within 20 s`);
}
