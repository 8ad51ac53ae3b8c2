/**
 * A throwaway database on the real PostgreSQL for each test file: the Supabase stand-in, the roster
 * migration, and helpers to add subscribers and read-only login roles. Everything is dropped at the end.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { after, type TestContext } from "node:test";
import { Client } from "pg";
import { DEFAULT_SUBNETS } from "../../lib/cell-contract";
import { parseCidr } from "../../lib/net";
import { DEFAULT_PLANS } from "../../lib/plans";
import { SupabaseRosterSource, type SupabaseRosterOptions } from "../../lib/roster/supabase";
import type { RosterContext } from "../../lib/roster/validate";
import { postgresAvailable, requireComponent } from "../support/requires";

const root = path.resolve(__dirname, "../..");
const migrationsDir = path.join(root, "supabase/migrations");
export const MIGRATION = readdirSync(migrationsDir)
  .filter((f) => f.endsWith("_worker_roster.sql"))
  .map((f) => readFileSync(path.join(migrationsDir, f), "utf8"))[0];
const STANDIN = readFileSync(path.join(__dirname, "fixtures/supabase-standin.sql"), "utf8");

/** The machine's local PostgreSQL superuser (scripts/setup-machine.sh). */
export const SERVER = {
  host: process.env.PGHOST ?? "127.0.0.1",
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? "postgres",
  password: process.env.PGPASSWORD ?? "postgres",
};

export interface Subscriber {
  plan?: string | null;
  status?: string | null;
  trialEndsAt?: Date | null;
  currentPeriodEnd?: Date | null;
  assistantName?: string | null;
  templates?: string[] | null;
}

export interface Reader {
  user: string;
  password: string;
}

const suffix = () => randomBytes(6).toString("hex");

export class TestDatabase {
  private readers: string[] = [];

  private constructor(
    readonly name: string,
    readonly admin: Client,
  ) {}

  static async create(): Promise<TestDatabase> {
    const name = `iw_roster_${suffix()}`;
    await withServer((c) => c.query(`create database ${name}`));
    const admin = new Client({ ...SERVER, database: name });
    await admin.connect();
    const db = new TestDatabase(name, admin);
    await admin.query(STANDIN);
    return db;
  }

  connect(as: Reader | typeof SERVER = SERVER): Promise<Client> {
    const client = new Client({ ...SERVER, ...as, database: this.name });
    return client.connect().then(() => client);
  }

  async migrate(): Promise<void> {
    await this.admin.query(MIGRATION);
  }

  async addCell(name: string, capacity: number, accepting = true): Promise<void> {
    await this.admin.query(
      "insert into instantworker.cells (name, capacity, accepting, opened_at) values ($1, $2, $3, clock_timestamp())",
      [name, capacity, accepting],
    );
  }

  /** Inserts an auth user and their profile (without a subscription unless `status` is given). */
  async addSubscriber(s: Subscriber = {}, via: Client = this.admin): Promise<string> {
    const id = randomUUID();
    await via.query("insert into auth.users (id, email) values ($1, $2)", [
      id,
      `${id}@example.test`,
    ]);
    await via.query(
      `insert into public.profiles (id, plan, subscription_status, trial_ends_at, current_period_end,
        assistant_name, templates) values ($1, $2, $3, $4, $5, $6, $7)`,
      [
        id,
        s.plan === undefined ? "simple" : s.plan,
        s.status ?? null,
        s.trialEndsAt ?? null,
        s.currentPeriodEnd ?? null,
        s.assistantName === undefined ? "Ada" : s.assistantName,
        s.templates === undefined ? ["research"] : s.templates,
      ],
    );
    return id;
  }

  /** A login role that holds only `worker_roster_reader`, as each cell's deploy user does. */
  async createReader(): Promise<Reader> {
    const reader = {
      user: `iw_reader_${suffix()}`,
      password: randomBytes(18).toString("base64url"),
    };
    await this.admin.query(
      `create role ${reader.user} login password '${reader.password}' in role worker_roster_reader`,
    );
    this.readers.push(reader.user);
    return reader;
  }

  /** The roster source as a cell would use it, over plain TCP because the local server has no TLS. */
  source(cell: string, reader: Reader, change: Partial<SupabaseRosterOptions> = {}) {
    return new SupabaseRosterSource({
      cell,
      host: SERVER.host,
      port: SERVER.port,
      database: this.name,
      ...reader,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 5000,
      insecurePlaintext: true,
      ...change,
    });
  }

  async drop(): Promise<void> {
    await this.admin.end().catch(() => undefined);
    await withServer(async (c) => {
      await c.query(`drop database if exists ${this.name} with (force)`);
      for (const role of this.readers) await c.query(`drop role if exists ${role}`);
    });
  }
}

async function withServer<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...SERVER, database: "postgres" });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * One database for the calling test file, created by the first test that asks and dropped after the
 * file. Each test asks with its own context, so a missing PostgreSQL skips (or, in CI, fails) each test.
 */
export function useRosterDatabase(
  options: { migrate?: boolean; setup?: (db: TestDatabase) => Promise<void> } = {},
) {
  let created: Promise<TestDatabase> | undefined;
  after(async () => (await created?.catch(() => undefined))?.drop());
  return async (t: TestContext): Promise<TestDatabase | undefined> => {
    if (!(await requireComponent(t, "postgres", postgresAvailable))) return undefined;
    created ??= TestDatabase.create().then(async (db) => {
      if (options.migrate !== false) await db.migrate();
      await options.setup?.(db);
      return db;
    });
    return created;
  };
}

/** Validation context for a cell whose catalog offers the templates the fixtures use. */
export function rosterContext(cell: string): RosterContext {
  const templates = new Set(["research", "coding"]);
  return {
    cell,
    workers: parseCidr(DEFAULT_SUBNETS.workers)!,
    plans: DEFAULT_PLANS,
    templates: { has: (id) => templates.has(id), offeredTo: () => true },
  };
}
