import assert from "node:assert/strict";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  copyFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import { dockerAvailable, requireComponent } from "../support/requires";
import { parseCellFile } from "../../ops/cell-file";
import { dockerApi } from "../../ops/docker-api";
import { readVerifiedArchive, restoreArchive } from "../../ops/lifecycle/archive";
import type { Ledger } from "../../ops/lifecycle/ledger";
import { runPurge } from "../../ops/lifecycle/purge";
import { memoryLogger } from "../../ops/log";
import {
  BASE_IMAGE,
  docker,
  fillWorkerVolume,
  fingerprint,
  imageExists,
  suffix,
  volumeExists,
} from "./support/docker";

const DAY = 86_400_000;

describe("purge on the real Docker engine", () => {
  const id = suffix();
  const slugs = {
    active: `act-${id}`,
    suspended: `sus-${id}`,
    old: `old-${id}`,
    recent: `new-${id}`,
  };
  const volume = (slug: string) => `iw-data-${slug}`;
  const restored = `iw-restored-${id}`;
  const now = new Date();
  let work = "";
  let ready = false;
  let oldFingerprint = "";

  const cell = () =>
    parseCellFile(
      JSON.stringify({
        cell: "test-cell",
        workersSubnet: "10.210.0.0/22",
        workers: [
          { slug: slugs.active, slot: 1, state: "active" },
          { slug: slugs.suspended, slot: 2, state: "suspended" },
        ],
      }),
      "test",
    );
  // The suspended user was also briefly absent long ago; being back in the roster must protect them.
  const ledger = (): Ledger => ({
    version: 1,
    absent: {
      [volume(slugs.old)]: {
        slug: slugs.old,
        since: new Date(now.getTime() - 90 * DAY).toISOString(),
      },
      [volume(slugs.recent)]: {
        slug: slugs.recent,
        since: new Date(now.getTime() - 3 * DAY).toISOString(),
      },
      [volume(slugs.suspended)]: {
        slug: slugs.suspended,
        since: new Date(now.getTime() - 90 * DAY).toISOString(),
      },
    },
  });
  const options = (confirm: boolean, log = memoryLogger()) => ({
    api: dockerApi(),
    cell: cell(),
    ledger: ledger(),
    archiveRoot: join(work, "archives"),
    retentionDays: 30,
    helperImage: BASE_IMAGE,
    confirm,
    allowEmptyRoster: false,
    log,
    now,
  });

  const available = dockerAvailable() && imageExists(BASE_IMAGE);
  const gate = (t: TestContext) =>
    requireComponent(t, `docker with image ${BASE_IMAGE}`, () => ready);

  before(() => {
    if (!available) return;
    work = mkdtempSync(join(tmpdir(), "iw-purge-"));
    for (const slug of Object.values(slugs)) fillWorkerVolume(volume(slug), slug);
    oldFingerprint = fingerprint(volume(slugs.old));
    ready = true;
  });

  after(() => {
    for (const name of [...Object.values(slugs).map(volume), restored]) {
      if (volumeExists(name)) docker("volume", "rm", "-f", name);
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("a dry run plans the old volume and changes nothing", async (t) => {
    if (!(await gate(t))) return;
    const log = memoryLogger();
    const report = await runPurge(options(false, log));
    const decisions = Object.fromEntries(report.plan.map((e) => [e.slug, e.decision]));
    assert.equal(decisions[slugs.active], "in-roster");
    assert.equal(decisions[slugs.suspended], "in-roster");
    assert.equal(decisions[slugs.recent], "within-retention");
    assert.equal(decisions[slugs.old], "purge");
    for (const slug of Object.values(slugs)) assert.ok(volumeExists(volume(slug)), `${slug} kept`);
    assert.equal(existsSync(join(work, "archives")), false);
    assert.deepEqual(log.events.at(-1)?.due, [volume(slugs.old)]);
  });

  test("archives, verifies and only then removes the old volume, leaving the others", async (t) => {
    if (!(await gate(t))) return;
    const log = memoryLogger();
    const report = await runPurge(options(true, log));
    assert.deepEqual(report.purged, [volume(slugs.old)]);
    assert.deepEqual(report.failed, []);
    const steps = log.events
      .filter((e) => e.slug === slugs.old && e.event !== "purge.plan")
      .map((e) => e.event);
    assert.deepEqual(steps, [
      "purge.archive.start",
      "purge.archive.done",
      "purge.verify.ok",
      "purge.remove.done",
    ]);
    assert.equal(volumeExists(volume(slugs.old)), false);
    for (const slug of [slugs.active, slugs.suspended, slugs.recent])
      assert.ok(volumeExists(volume(slug)));
    const files = readdirSync(join(work, "archives", "test-cell"));
    assert.equal(files.filter((f) => f.endsWith(".tar.gz")).length, 1);
    assert.equal(files.filter((f) => f.endsWith(".tar.gz.sha256")).length, 1);
  });

  test("restores the archive into a new volume byte for byte", async (t) => {
    if (!(await gate(t))) return;
    const dir = join(work, "archives", "test-cell");
    const archive = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith(".tar.gz"))!,
    );
    const entries = await restoreArchive(dockerApi(), archive, restored, BASE_IMAGE);
    assert.ok(entries >= 8, `restored ${entries} entries`);
    assert.match(oldFingerprint, /workspace\/blob\.bin\|f\|644\|10001\|10001\|262144/);
    assert.equal(fingerprint(restored), oldFingerprint);
  });

  test("refuses to restore over an existing volume", async (t) => {
    if (!(await gate(t))) return;
    const dir = join(work, "archives", "test-cell");
    const archive = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith(".tar.gz"))!,
    );
    await assert.rejects(restoreArchive(dockerApi(), archive, volume(slugs.active), BASE_IMAGE), {
      message: `Volume \`${volume(slugs.active)}\` already exists; restore into a new name, nothing is overwritten.`,
    });
  });

  test("rejects an archive whose bytes no longer match its checksum", async (t) => {
    if (!(await gate(t))) return;
    const dir = join(work, "archives", "test-cell");
    const name = readdirSync(dir).find((f) => f.endsWith(".tar.gz"))!;
    const damaged = join(work, name);
    copyFileSync(join(dir, name), damaged);
    copyFileSync(join(dir, `${name}.sha256`), `${damaged}.sha256`);
    const bytes = readFileSync(damaged);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(damaged, bytes);
    await assert.rejects(readVerifiedArchive(damaged), {
      message: `Archive \`${damaged}\` does not match its recorded SHA-256; it is damaged.`,
    });
  });
});
