import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type TestDatabase, useRosterDatabase } from "./db";

const DAY = 86_400_000;
const daysFromNow = (days: number) => new Date(Date.now() + days * DAY);

interface Billing {
  status: string;
  trialEndsAt?: Date;
  currentPeriodEnd?: Date;
  pastDueSince?: Date;
}

/** A subscriber placed at signup (trialing), then moved to the billing facts under test. */
async function subscriberIn(db: TestDatabase, billing: Billing): Promise<string> {
  const id = await db.addSubscriber({ status: "trialing", trialEndsAt: daysFromNow(7) });
  await db.admin.query(
    `update public.profiles set subscription_status = $2, trial_ends_at = $3, current_period_end = $4
     where id = $1`,
    [id, billing.status, billing.trialEndsAt ?? null, billing.currentPeriodEnd ?? null],
  );
  if (billing.pastDueSince) {
    await db.admin.query(
      "update instantworker.placements set past_due_since = $2 where user_id = $1",
      [id, billing.pastDueSince],
    );
  }
  return id;
}

async function stateOf(db: TestDatabase, id: string): Promise<string> {
  const { rows } = await db.admin.query(
    "select state from instantworker.worker_roster where user_id = $1",
    [id],
  );
  return rows.length ? rows[0].state : "absent";
}

describe("worker state computed by the roster view (grace 7 days, retention 30 days)", () => {
  const database = useRosterDatabase({ setup: (db) => db.addCell("state", 100) });
  const cases: [string, Billing, string][] = [
    ["a running trial is active", { status: "trialing", trialEndsAt: daysFromNow(2) }, "active"],
    [
      "an ended trial is suspended",
      { status: "trialing", trialEndsAt: daysFromNow(-2) },
      "suspended",
    ],
    [
      "a trial ended past retention is absent",
      { status: "trialing", trialEndsAt: daysFromNow(-31) },
      "absent",
    ],
    [
      "a paying subscriber is active",
      { status: "active", currentPeriodEnd: daysFromNow(20) },
      "active",
    ],
    [
      "a failed payment within grace stays active",
      { status: "past_due", pastDueSince: daysFromNow(-6) },
      "active",
    ],
    [
      "a failed payment after grace is suspended",
      { status: "past_due", pastDueSince: daysFromNow(-8) },
      "suspended",
    ],
    [
      "a failed payment past grace and retention is absent",
      { status: "past_due", pastDueSince: daysFromNow(-38) },
      "absent",
    ],
    [
      "a cancelled subscription is suspended",
      { status: "canceled", currentPeriodEnd: daysFromNow(-1) },
      "suspended",
    ],
    [
      "a cancellation past retention is absent",
      { status: "canceled", currentPeriodEnd: daysFromNow(-31) },
      "absent",
    ],
    [
      "an unpaid subscription is suspended",
      { status: "unpaid", currentPeriodEnd: daysFromNow(-3) },
      "suspended",
    ],
    [
      "an ended subscription without an end date keeps its data",
      { status: "canceled" },
      "suspended",
    ],
  ];

  for (const [name, billing, expected] of cases) {
    it(name, async (t) => {
      const db = await database(t);
      if (!db) return;
      assert.equal(await stateOf(db, await subscriberIn(db, billing)), expected);
    });
  }

  it("leaves out a subscriber placed at checkout whose subscription never started", async (t) => {
    const db = await database(t);
    if (!db) return;
    const checkout = await db.addSubscriber({ status: null });
    await db.admin.query("select instantworker.place_worker($1)", [checkout]);
    assert.equal(await stateOf(db, checkout), "absent");
    for (const status of ["incomplete", "incomplete_expired"]) {
      await db.admin.query("update public.profiles set subscription_status = $2 where id = $1", [
        checkout,
        status,
      ]);
      assert.equal(await stateOf(db, checkout), "absent", status);
    }
    await db.admin.query(
      "update public.profiles set subscription_status = 'trialing', trial_ends_at = now() + interval '7 days' where id = $1",
      [checkout],
    );
    assert.equal(await stateOf(db, checkout), "active");
  });

  it("starts the grace period when the payment fails and ends it when payment resumes", async (t) => {
    const db = await database(t);
    if (!db) return;
    const id = await subscriberIn(db, { status: "active" });
    await db.admin.query(
      "update public.profiles set subscription_status = 'past_due' where id = $1",
      [id],
    );
    const since = await db.admin.query(
      "select now() - past_due_since < interval '1 minute' as fresh from instantworker.placements where user_id = $1",
      [id],
    );
    assert.equal(since.rows[0].fresh, true);
    assert.equal(await stateOf(db, id), "active");

    await db.admin.query(
      "update public.profiles set subscription_status = 'active' where id = $1",
      [id],
    );
    const cleared = await db.admin.query(
      "select past_due_since from instantworker.placements where user_id = $1",
      [id],
    );
    assert.equal(cleared.rows[0].past_due_since, null);
  });

  it("follows the configured grace and retention periods", async (t) => {
    const db = await database(t);
    if (!db) return;
    const failed = await subscriberIn(db, { status: "past_due", pastDueSince: daysFromNow(-2) });
    const cancelled = await subscriberIn(db, {
      status: "canceled",
      currentPeriodEnd: daysFromNow(-10),
    });
    await db.admin.query(
      "update instantworker.roster_settings set grace_period = interval '1 day', retention_period = interval '5 days'",
    );
    try {
      assert.equal(await stateOf(db, failed), "suspended");
      assert.equal(await stateOf(db, cancelled), "absent");
    } finally {
      await db.admin.query(
        "update instantworker.roster_settings set grace_period = interval '7 days', retention_period = interval '30 days'",
      );
    }
  });
});
