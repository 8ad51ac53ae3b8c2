import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadRoster } from "../../lib/roster/load";
import { RosterError } from "../../lib/roster/types";
import { type TestDatabase, rosterContext, useRosterDatabase } from "./db";

const CELL = "hostile";
const HOSTILE = [
  `Robert'); drop table profiles; --`,
  `"double" 'single' \`back\` \\ backslash`,
  "line one\nline two\r\nline three\ttab",
  "$(touch /tmp/pwned) ; rm -rf / && echo ${HOME} | cat > /etc/passwd",
  "key: value\n- item\n&anchor *alias !!python/object:os.system ['id']\n--- \n...",
  `{{ .Env.SECRET }} \${IW_MODEL_KEY} %s%n <script>alert(1)</script>`,
  "名前 🤖 \u202Eevil\u200B zero-width",
  "A".repeat(9_991) + "\n'\"$`\\;|&",
];

async function rosterWith(db: TestDatabase, names: string[]) {
  const ids = [];
  for (const assistantName of names)
    ids.push(await db.addSubscriber({ status: "active", assistantName }));
  const source = db.source(CELL, await db.createReader());
  const guard = { previous: undefined, maxCount: 5, maxShare: 0.1 };
  return { ids, load: () => loadRoster(source, rosterContext(CELL), guard) };
}

describe("hostile assistant names from the roster database", () => {
  const database = useRosterDatabase({ setup: (db) => db.addCell(CELL, 50) });

  it("arrive byte for byte as the data they are, including 10,000 characters", async (t) => {
    const db = await database(t);
    if (!db) return;
    assert.equal(HOSTILE.at(-1)!.length, 10_000);
    const { ids, load } = await rosterWith(db, HOSTILE);
    const entries = await load();
    const byUser = new Map(entries.map((e) => [e.user_id, e.assistant_name]));
    assert.deepEqual(
      ids.map((id) => byUser.get(id)),
      HOSTILE,
    );
    const tables = await db.admin.query(
      "select count(*)::int as n from pg_tables where schemaname = 'public' and tablename = 'profiles'",
    );
    assert.equal(tables.rows[0].n, 1, "the profiles table is still there");
  });

  it("refuses a name one character past 10,000", async (t) => {
    const db = await database(t);
    if (!db) return;
    const { load } = await rosterWith(db, ["B".repeat(10_001)]);
    const err = await load().then(
      () => assert.fail("expected the roster to be refused"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RosterError);
    assert.match(err.message, /`assistant_name` "B{57}\.\.\." is longer than 10000 characters/);
  });
});
