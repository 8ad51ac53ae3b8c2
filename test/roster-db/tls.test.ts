import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import { Client } from "pg";
import { SupabaseRosterSource, type SupabaseRosterOptions } from "../../lib/roster/supabase";
import { RosterError } from "../../lib/roster/types";
import { hasCommand, requireComponent } from "../support/requires";
import { MIGRATION } from "./db";
import { postgresBinDir, startTlsServer, type TlsServer } from "./tls-server";

const STANDIN = readFileSync(path.join(__dirname, "fixtures/supabase-standin.sql"), "utf8");
const reader = { user: "iw_cell_tls", password: randomBytes(18).toString("base64url") };

/** The cluster with the roster migration, one placed subscriber and a login role for the cell. */
async function prepare(server: TlsServer): Promise<void> {
  const ca = readFileSync(server.caPath, "utf8");
  const admin = new Client({
    host: "localhost",
    port: server.port,
    database: "postgres",
    ...server.superuser,
    ssl: { ca },
  });
  await admin.connect();
  try {
    await admin.query(STANDIN);
    await admin.query(MIGRATION);
    await admin.query("insert into instantworker.cells (name, capacity) values ('tls', 5)");
    await admin.query(`
      with u as (insert into auth.users (id) values (gen_random_uuid()) returning id)
      insert into public.profiles (id, plan, subscription_status, assistant_name, templates)
      select id, 'simple', 'active', 'Ada', '{research}' from u`);
    await admin.query(
      `create role ${reader.user} login password '${reader.password}' in role worker_roster_reader`,
    );
  } finally {
    await admin.end();
  }
}

describe("the Supabase roster source over TLS", () => {
  let started: Promise<TlsServer> | undefined;
  after(async () => (await started?.catch(() => undefined))?.stop());

  async function server(t: TestContext): Promise<TlsServer | undefined> {
    const present = () => postgresBinDir() !== undefined && hasCommand("openssl");
    if (!(await requireComponent(t, "postgres server binaries and openssl", present)))
      return undefined;
    started ??= startTlsServer().then(async (s) => (await prepare(s), s));
    return started;
  }

  const source = (s: TlsServer, change: Partial<SupabaseRosterOptions> = {}) =>
    new SupabaseRosterSource({
      ...{ cell: "tls", host: "localhost", port: s.port, database: "postgres", ...reader },
      ...{ caCertPath: s.caPath, connectTimeoutMs: 5000, statementTimeoutMs: 5000, ...change },
    });

  async function refused(work: Promise<unknown>): Promise<string> {
    const err = await work.then(
      () => assert.fail("expected a refusal"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RosterError, `expected a RosterError, got ${String(err)}`);
    assert.ok(!err.message.includes(reader.password), "the message must not hold the password");
    return err.message;
  }

  it("reads the roster when the server's certificate chains to the given CA", async (t) => {
    const s = await server(t);
    if (!s) return;
    const rows = (await source(s).load()) as { cell: string; state: string }[];
    assert.deepEqual(
      rows.map((r) => [r.cell, r.state]),
      [["tls", "active"]],
    );
  });

  it("refuses a server whose CA is not trusted", async (t) => {
    const s = await server(t);
    if (!s) return;
    const message = await refused(source(s, { caCertPath: undefined }).load());
    assert.match(
      message,
      new RegExp(
        `^the roster database localhost:${s.port} could not be connected to: unable to verify the first certificate \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)$`,
      ),
    );
  });

  it("refuses a certificate that does not name the host asked for", async (t) => {
    const s = await server(t);
    if (!s) return;
    const message = await refused(
      source(s, { host: "127.0.0.1", insecurePlaintext: false }).load(),
    );
    assert.match(
      message,
      /could not be connected to: .*IP: 127\.0\.0\.1 is not in the cert's list/,
    );
  });

  it("is refused in plaintext by a server that admits only TLS", async (t) => {
    const s = await server(t);
    if (!s) return;
    const message = await refused(source(s, { host: "127.0.0.1", insecurePlaintext: true }).load());
    assert.match(
      message,
      /no pg_hba\.conf entry for host "127\.0\.0\.1".*no encryption \(SQLSTATE 28000\)$/,
    );
  });

  it("names a CA file that cannot be read", async (t) => {
    const s = await server(t);
    if (!s) return;
    const missing = `${s.caPath}.missing`;
    const message = await refused(source(s, { caCertPath: missing }).load());
    assert.equal(
      message,
      `the roster database CA file ${missing} cannot be read (ENOENT); give a PEM file`,
    );
  });
});
