import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Client } from "pg";
import { type TestDatabase, useRosterDatabase } from "./db";

/** Each signup on its own connection, all transactions open at once, as concurrent webhooks would be. */
async function concurrentSignups(db: TestDatabase, count: number): Promise<string[]> {
  const clients: Client[] = await Promise.all(Array.from({ length: count }, () => db.connect()));
  try {
    const ids = await Promise.all(clients.map((c) => db.addSubscriber({}, c)));
    // Each transaction commits on its own: placements serialize on a lock held until commit.
    await Promise.all(
      clients.map(async (c, i) => {
        await c.query("begin");
        await c.query("update public.profiles set subscription_status = 'trialing' where id = $1", [
          ids[i],
        ]);
        await c.query("commit");
      }),
    );
    return ids;
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

async function placements(db: TestDatabase, ids: string[]) {
  const { rows } = await db.admin.query(
    "select cell, slot from instantworker.placements where user_id = any($1) order by cell, slot",
    [ids],
  );
  return rows as { cell: string; slot: number }[];
}

describe("placing subscribers on cells", () => {
  const database = useRosterDatabase();

  it("gives 50 concurrent signups 50 distinct slots and the next signup the next cell", async (t) => {
    const db = await database(t);
    if (!db) return;
    await db.admin.query("delete from instantworker.cells");
    await db.addCell("alpha", 50);
    await db.addCell("bravo", 50);

    const ids = await concurrentSignups(db, 50);
    const placed = await placements(db, ids);
    assert.deepEqual(
      placed,
      Array.from({ length: 50 }, (_, slot) => ({ cell: "alpha", slot })),
    );

    const next = await db.addSubscriber({ status: "active" });
    assert.deepEqual(await placements(db, [next]), [{ cell: "bravo", slot: 0 }]);
  });

  it("never fills a cell past its capacity under concurrent signups", async (t) => {
    const db = await database(t);
    if (!db) return;
    await db.addCell("charlie", 20);
    await db.addCell("delta", 20);
    await db.addCell("echo", 20);
    await db.admin.query(
      "update instantworker.cells set accepting = false where name in ('alpha', 'bravo')",
    );

    const ids = await concurrentSignups(db, 50);
    const perCell = new Map<string, number[]>();
    for (const { cell, slot } of await placements(db, ids)) {
      perCell.set(cell, [...(perCell.get(cell) ?? []), slot]);
    }
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    assert.deepEqual(Object.fromEntries(perCell), {
      charlie: range(20),
      delta: range(20),
      echo: range(10),
    });
  });

  it("keeps a subscriber's placement when their subscription changes", async (t) => {
    const db = await database(t);
    if (!db) return;
    const id = await db.addSubscriber({ status: "trialing" });
    const [first] = await placements(db, [id]);
    for (const status of ["active", "past_due", "canceled", "active"]) {
      await db.admin.query("update public.profiles set subscription_status = $2 where id = $1", [
        id,
        status,
      ]);
    }
    assert.deepEqual(await placements(db, [id]), [first]);
  });

  it("leaves a signup unplaced with a warning when no cell has room, and places it later", async (t) => {
    const db = await database(t);
    if (!db) return;
    await db.admin.query("update instantworker.cells set accepting = false");
    const notices: string[] = [];
    db.admin.on("notice", (n) => notices.push(n.message ?? ""));
    const waiting = await db.addSubscriber({ status: "active" });
    assert.deepEqual(await placements(db, [waiting]), []);
    assert.ok(
      notices.some((m) => m.startsWith("no accepting cell has a free slot for subscriber")),
    );

    await db.addCell("foxtrot", 1);
    const placed = await db.admin.query("select instantworker.place_waiting_subscribers() as n");
    assert.equal(placed.rows[0].n, 1);
    assert.deepEqual(await placements(db, [waiting]), [{ cell: "foxtrot", slot: 0 }]);
  });

  it("places nobody who has not subscribed", async (t) => {
    const db = await database(t);
    if (!db) return;
    const visitor = await db.addSubscriber({ status: null, plan: null });
    const lapsed = await db.addSubscriber({ status: "incomplete" });
    assert.deepEqual(await placements(db, [visitor, lapsed]), []);
  });
});
