import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useRosterDatabase } from "./db";

describe("roster migration on a real PostgreSQL", () => {
  const database = useRosterDatabase({ migrate: false });

  it("applies to a fresh database and a second time without error", async (t) => {
    const db = await database(t);
    if (!db) return;
    await db.migrate();
    await db.migrate();
    const { rows } = await db.admin.query(
      "select grace_period::text, retention_period::text from instantworker.roster_settings",
    );
    assert.deepEqual(rows, [{ grace_period: "7 days", retention_period: "30 days" }]);
  });

  it("keeps placements and settings when applied again", async (t) => {
    const db = await database(t);
    if (!db) return;
    await db.addCell("keep", 5);
    const id = await db.addSubscriber({ status: "active" });
    await db.admin.query(
      "update instantworker.roster_settings set grace_period = interval '3 days'",
    );
    await db.migrate();
    const placed = await db.admin.query(
      "select cell, slot from instantworker.placements where user_id = $1",
      [id],
    );
    assert.deepEqual(placed.rows, [{ cell: "keep", slot: 0 }]);
    const settings = await db.admin.query(
      "select grace_period::text as g from instantworker.roster_settings",
    );
    assert.equal(settings.rows[0].g, "3 days");
  });

  it("refuses a slug that is not DNS-safe, a negative slot and a slot taken in the cell", async (t) => {
    const db = await database(t);
    if (!db) return;
    await db.addCell("rules", 5);
    const insert = async (slug: string, slot: number) => {
      const id = await db.addSubscriber();
      return db.admin.query(
        "insert into instantworker.placements (user_id, slug, cell, slot) values ($1, $2, 'rules', $3)",
        [id, slug, slot],
      );
    };
    await insert("wfirst", 0);
    for (const bad of [
      "Upper",
      "a--b",
      "-ab",
      "ab-",
      "ab",
      "1abc",
      `w${"a".repeat(40)}`,
      "a.b.c",
    ]) {
      await assert.rejects(insert(bad, 1), /placements_slug_check/, bad);
    }
    await assert.rejects(insert("wsecond", -1), /placements_slot_check/);
    await assert.rejects(insert("wthird", 0), /placements_cell_slot_key/);
    await assert.rejects(insert("wfirst", 2), /placements_slug_key/);
  });

  it("refuses to rename a placed worker's slug", async (t) => {
    const db = await database(t);
    if (!db) return;
    await db.addCell("names", 5);
    const id = await db.addSubscriber({
      status: "trialing",
      trialEndsAt: new Date(Date.now() + 864e5),
    });
    await assert.rejects(
      db.admin.query("update instantworker.placements set slug = 'wrenamed' where user_id = $1", [
        id,
      ]),
      /the slug of a placed worker cannot change/,
    );
  });

  it("generates slugs that match the contract and carry nothing the user typed", async (t) => {
    const db = await database(t);
    if (!db) return;
    await db.addCell("slugs", 50);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push(await db.addSubscriber({ status: "active", assistantName: "Evil Name; rm -rf" }));
    }
    const { rows } = await db.admin.query(
      "select slug from instantworker.placements where user_id = any($1)",
      [ids],
    );
    assert.equal(rows.length, 20);
    for (const { slug } of rows) assert.match(slug, /^w[0-9a-f]{11}$/);
    assert.equal(new Set(rows.map((r) => r.slug)).size, 20);
  });
});
