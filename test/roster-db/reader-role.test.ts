import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Client } from "pg";
import { type TestDatabase, useRosterDatabase } from "./db";

const DENIED = { code: "42501" };

describe("the read-only role worker_roster_reader", () => {
  let subscriber = "";
  const database = useRosterDatabase({
    setup: async (db) => {
      await db.addCell("reader", 10);
      subscriber = await db.addSubscriber({ status: "active" });
    },
  });

  async function asReader(
    t: Parameters<typeof database>[0],
    work: (c: Client, db: TestDatabase) => Promise<void>,
  ) {
    const db = await database(t);
    if (!db) return;
    const reader = await db.connect(await db.createReader());
    try {
      await work(reader, db);
    } finally {
      await reader.end();
    }
  }

  it("reads the roster view", (t) =>
    asReader(t, async (reader) => {
      const { rows } = await reader.query(
        "select user_id, cell, state from instantworker.worker_roster",
      );
      assert.deepEqual(rows, [{ user_id: subscriber, cell: "reader", state: "active" }]);
    }));

  it("is refused on profiles, auth.users and the tables behind the view", (t) =>
    asReader(t, async (reader) => {
      for (const table of [
        "public.profiles",
        "auth.users",
        "instantworker.placements",
        "instantworker.cells",
        "instantworker.roster_settings",
      ]) {
        await assert.rejects(reader.query(`select * from ${table}`), DENIED, table);
      }
    }));

  it("is refused any insert, update or delete", (t) =>
    asReader(t, async (reader, db) => {
      const writes = [
        ["insert into public.profiles (id) values (gen_random_uuid())", DENIED],
        [`update public.profiles set subscription_status = 'active'`, DENIED],
        ["delete from public.profiles", DENIED],
        ["insert into auth.users (id) values (gen_random_uuid())", DENIED],
        ["insert into instantworker.cells (name, capacity) values ('mine', 1)", DENIED],
        ["update instantworker.roster_settings set grace_period = interval '99 days'", DENIED],
        ["delete from instantworker.placements", DENIED],
        [`update instantworker.placements set slot = 9`, DENIED],
        ["select instantworker.place_worker(gen_random_uuid())", DENIED],
        ["create table instantworker.mine (x int)", DENIED],
        ["create table public.mine (x int)", DENIED],
        // The view joins tables, so Postgres refuses writes to it before looking at privileges.
        ["delete from instantworker.worker_roster", /cannot delete from view/],
        ["update instantworker.worker_roster set state = 'active'", /cannot update view/],
        [
          `insert into instantworker.worker_roster (slug) values ('wmine')`,
          /cannot insert into view/,
        ],
      ] as const;
      for (const [sql, refusal] of writes) await assert.rejects(reader.query(sql), refusal, sql);

      const placed = await db.admin.query(
        "select count(*)::int as n from instantworker.placements",
      );
      assert.equal(placed.rows[0].n, 1);
    }));
});
