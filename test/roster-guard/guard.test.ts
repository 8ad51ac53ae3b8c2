import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkRemovals } from "../../lib/roster/guard";
import { RosterError } from "../../lib/roster/types";

const slugs = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `w${String(from + i).padStart(4, "0")}`);
const hundred = slugs(100);
const bounds = { maxCount: 5, maxShare: 0.1 };

function refusal(fn: () => unknown): RosterError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RosterError, `expected a RosterError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the guard to refuse");
}

describe("deletion guard", () => {
  it("refuses a roster that would remove 40 of 100 workers and lists every one", () => {
    const err = refusal(() =>
      checkRemovals({ previous: hundred, next: hundred.slice(40), ...bounds }),
    );
    assert.match(
      err.message,
      /^deletion guard: the roster would remove 40 of 100 running workers /,
    );
    assert.match(err.message, /more than 5 workers, more than 10% of the cell/);
    assert.match(err.message, /set the removal override to 40 for one run/);
    for (const slug of hundred.slice(0, 40)) assert.ok(err.message.includes(slug), slug);
    assert.ok(!err.message.includes(hundred[40]), "a staying worker is not listed");
  });

  it("allows the 40 removals when the override names exactly 40", () => {
    const removed = checkRemovals({
      previous: hundred,
      next: hundred.slice(40),
      ...bounds,
      allowRemovals: 40,
    });
    assert.deepEqual(removed, hundred.slice(0, 40));
  });

  it("refuses when a stale override names a different number of removals", () => {
    const err = refusal(() =>
      checkRemovals({ previous: hundred, next: hundred.slice(41), ...bounds, allowRemovals: 40 }),
    );
    assert.match(err.message, /the removal override is 40, not 41;/);
  });

  it("allows removals within both bounds without an override", () => {
    const next = [...hundred.slice(3), ...slugs(20, 500)];
    assert.deepEqual(checkRemovals({ previous: hundred, next, ...bounds }), hundred.slice(0, 3));
  });

  it("refuses on the share bound alone when the cell is small", () => {
    const err = refusal(() => checkRemovals({ previous: slugs(4), next: slugs(2), ...bounds }));
    assert.match(err.message, /remove 2 of 4 running workers \(more than 10% of the cell\)/);
  });

  it("refuses on the count bound alone when the cell is large", () => {
    const previous = slugs(1000);
    const err = refusal(() =>
      checkRemovals({ previous, next: previous.slice(6), maxCount: 5, maxShare: 0.5 }),
    );
    assert.match(err.message, /remove 6 of 1000 running workers \(more than 5 workers\)/);
  });

  it("refuses an empty roster after a non-empty deploy even under generous bounds", () => {
    const err = refusal(() =>
      checkRemovals({ previous: slugs(2), next: [], maxCount: 100, maxShare: 1 }),
    );
    assert.match(err.message, /remove 2 of 2 running workers \(the new roster is empty\)/);
    assert.deepEqual(
      checkRemovals({ previous: slugs(2), next: [], maxCount: 100, maxShare: 1, allowRemovals: 2 }),
      slugs(2),
    );
  });

  it("accepts an empty roster on a cell that had no workers", () => {
    assert.deepEqual(checkRemovals({ previous: [], next: [], ...bounds }), []);
  });

  it("names a bound that is not a number of workers or a share", () => {
    const err = refusal(() =>
      checkRemovals({ previous: [], next: [], maxCount: -1, maxShare: 1.5, allowRemovals: 2.5 }),
    );
    assert.deepEqual(err.problems, [
      "`maxCount` -1 is not a whole number of workers (accepted: 0 or more)",
      "`maxShare` 1.5 is not a share (accepted: 0 to 1)",
      "`allowRemovals` 2.5 is not a whole number of workers (accepted: 0 or more)",
    ]);
  });
});
