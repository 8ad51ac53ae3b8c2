import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { loadRoster } from "../../lib/roster/load";
import { SupabaseRosterSource, type SupabaseRosterOptions } from "../../lib/roster/supabase";
import { RosterError } from "../../lib/roster/types";
import { type Reader, SERVER, type TestDatabase, rosterContext, useRosterDatabase } from "./db";

const CELL = "loader";
const context = (cell = CELL) => rosterContext(cell);
const firstDeploy = { previous: undefined, maxCount: 5, maxShare: 0.1 };
const source = (db: TestDatabase, reader: Reader, change: Partial<SupabaseRosterOptions> = {}) =>
  db.source(CELL, reader, change);

async function refusal(work: Promise<unknown>, secret?: string): Promise<string> {
  const err = await work.then(
    () => assert.fail("expected the roster to be refused"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RosterError, `expected a RosterError, got ${String(err)}`);
  if (secret) assert.ok(!err.message.includes(secret), "the message must not hold the password");
  return err.message;
}

/** A source aimed at a loopback port where no PostgreSQL listens, so no database is needed. */
function loopbackSource(port: number, connectTimeoutMs: number) {
  return new SupabaseRosterSource({
    ...{ cell: CELL, host: "127.0.0.1", port, database: "postgres", insecurePlaintext: true },
    ...{ user: "nobody", password: "not-used", connectTimeoutMs, statementTimeoutMs: 2000 },
  });
}

/** A loopback TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; close: () => void }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}

describe("the Supabase roster source on a real PostgreSQL", () => {
  let placed: string[] = [];
  const database = useRosterDatabase({
    setup: async (db) => {
      await db.addCell(CELL, 10);
      const expert = { status: "active", plan: "expert", templates: ["research", "coding"] };
      placed = [await db.addSubscriber(expert), await db.addSubscriber({ status: "active" })];
      await db.admin.query(
        `update public.profiles set subscription_status = 'canceled',
          current_period_end = now() - interval '1 day' where id = $1`,
        [placed[1]],
      );
      await db.addCell("elsewhere", 10);
      await db.admin.query(
        `update instantworker.cells set accepting = false where name = '${CELL}'`,
      );
      await db.addSubscriber({ status: "active" });
    },
  });

  it("reads the cell's rows through the read-only role, shaped as the roster contract", async (t) => {
    const db = await database(t);
    if (!db) return;
    const rows = await source(db, await db.createReader()).load();
    const placements = await db.admin.query(
      "select user_id::text, slug, slot from instantworker.placements where cell = $1 order by slot",
      [CELL],
    );
    assert.deepEqual(rows, [
      {
        ...placements.rows[0],
        cell: CELL,
        plan: "expert",
        state: "active",
        templates: ["research", "coding"],
        assistant_name: "Ada",
      },
      {
        ...placements.rows[1],
        cell: CELL,
        plan: "simple",
        state: "suspended",
        templates: ["research"],
        assistant_name: "Ada",
      },
    ]);
    assert.deepEqual(
      placements.rows.map((r) => r.user_id),
      placed,
    );
    const entries = await loadRoster(source(db, await db.createReader()), context(), firstDeploy);
    assert.deepEqual(
      entries.map((e) => e.state),
      ["active", "suspended"],
    );
  });

  it("refuses an unreachable database, naming host and port", async () => {
    const closed = await silentServer();
    closed.close();
    const s = loopbackSource(closed.port, 2000);
    const message = await refusal(s.load());
    assert.match(
      message,
      new RegExp(
        `^the roster database 127\\.0\\.0\\.1:${closed.port} could not be connected to: connect ECONNREFUSED 127\\.0\\.0\\.1:${closed.port}$`,
      ),
    );
  });

  it("refuses a database that does not answer within the connect timeout", async () => {
    const silent = await silentServer();
    try {
      const s = loopbackSource(silent.port, 300);
      const message = await refusal(s.load());
      assert.equal(
        message,
        `the roster database 127.0.0.1:${silent.port} did not answer within 300 ms (connectTimeoutMs)`,
      );
    } finally {
      silent.close();
    }
  });

  it("refuses a query that exceeds the statement timeout", async (t) => {
    const db = await database(t);
    if (!db) return;
    const reader = await db.createReader();
    const locker = await db.connect();
    try {
      await locker.query("begin");
      await locker.query("lock table instantworker.placements in access exclusive mode");
      const message = await refusal(source(db, reader, { statementTimeoutMs: 300 }).load());
      assert.equal(
        message,
        `the roster query on ${SERVER.host}:${SERVER.port} did not finish within 300 ms (statementTimeoutMs)`,
      );
    } finally {
      await locker.query("rollback");
      await locker.end();
    }
  });

  it("refuses a wrong password without repeating it", async (t) => {
    const db = await database(t);
    if (!db) return;
    const reader = await db.createReader();
    const wrong = `${reader.password}-wrong`;
    const s = source(db, { user: reader.user, password: wrong });
    const message = await refusal(loadRoster(s, context(), firstDeploy), wrong);
    assert.match(
      message,
      /could not be connected to: password authentication failed for user "iw_reader_[0-9a-f]+" \(SQLSTATE 28P01\)$/,
    );
    assert.ok(!s.describe().includes(wrong));
  });

  it("refuses plaintext to a host off loopback, and TLS to a server without it", async (t) => {
    const db = await database(t);
    if (!db) return;
    const reader = await db.createReader();
    const remote = source(db, reader, { host: "db.example.test" });
    assert.match(
      await refusal(remote.load()),
      /db\.example\.test:5432 is not on loopback, so `insecurePlaintext` is refused/,
    );
    const tls = source(db, reader, { insecurePlaintext: false });
    assert.match(
      await refusal(tls.load()),
      /could not be connected to: The server does not support SSL connections$/,
    );
  });

  it("refuses an empty roster for a cell that had workers", async (t) => {
    const db = await database(t);
    if (!db) return;
    const s = source(db, await db.createReader(), { cell: "vacant" });
    assert.deepEqual(await loadRoster(s, context("vacant"), firstDeploy), []);
    const guard = { previous: ["wformer00001", "wformer00002"], maxCount: 5, maxShare: 0.5 };
    const message = await refusal(loadRoster(s, context("vacant"), guard));
    assert.match(
      message,
      /^deletion guard: the roster would remove 2 of 2 running workers \(the new roster is empty/,
    );
  });
});

describe("the Supabase roster source on a tampered database", () => {
  const database = useRosterDatabase({ setup: (db) => db.addCell(CELL, 10) });

  it("refuses a row whose slug is malformed", async (t) => {
    const db = await database(t);
    if (!db) return;
    // Simulates a hand-edited database: the migration's own constraint would refuse this slug.
    await db.admin.query(
      "alter table instantworker.placements drop constraint placements_slug_check",
    );
    await db.addSubscriber({ status: "active" });
    const bad = await db.addSubscriber();
    await db.admin.query(
      `insert into instantworker.placements (user_id, slug, cell, slot) values ($1, 'Bad_Slug;rm', $2, 5)`,
      [bad, CELL],
    );
    await db.admin.query(
      "update public.profiles set subscription_status = 'active' where id = $1",
      [bad],
    );
    const message = await refusal(
      loadRoster(source(db, await db.createReader()), context(), firstDeploy),
    );
    assert.match(
      message,
      /^roster row 2 \(slug "Bad_Slug;rm"\): `slug` "Bad_Slug;rm" is not a DNS-safe slug/,
    );
  });
});
