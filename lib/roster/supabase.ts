/**
 * The roster read from Supabase's Postgres: one read-only query on the `worker_roster` view, through the
 * read-only role, over verified TLS, bounded by a connect and a statement timeout. Every failure becomes
 * a RosterError naming the host, port and limit; the password never reaches a message.
 */
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { Client, type ClientConfig } from "pg";
import { RosterError, type RosterSource } from "./types";

export interface SupabaseRosterOptions {
  /** The cell whose rows are read: the stack's own cell. */
  cell: string;
  host: string;
  /** 6543 is Supabase's pooler in transaction mode. */
  port: number;
  database: string;
  user: string;
  password: string;
  /** PEM file of the CA that signed the server's certificate (Supabase's own root CA). */
  caCertPath?: string;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Plain TCP instead of TLS; accepted only for a loopback host (local tests). */
  insecurePlaintext?: boolean;
}

// The timeout is set inside the transaction because the pooler in transaction mode drops session
// settings and startup options between transactions.
const QUERY = `select user_id::text as user_id, slug, cell, slot, plan, state, templates, assistant_name
  from instantworker.worker_roster where cell = $1 order by slot`;

export class SupabaseRosterSource implements RosterSource {
  constructor(private readonly options: SupabaseRosterOptions) {}

  describe(): string {
    const { user, host, port, database, cell } = this.options;
    return `worker_roster of cell ${cell} at ${user}@${host}:${port}/${database}`;
  }

  async load(): Promise<unknown[]> {
    const client = new Client(await this.clientConfig());
    // A socket error after connecting is reported by the failing query; this keeps it from crashing.
    client.on("error", () => undefined);
    try {
      await this.step(client.connect(), "connect");
      await this.step(client.query("begin read only"), "query");
      const ms = Math.trunc(this.options.statementTimeoutMs);
      await this.step(client.query(`set local statement_timeout = ${ms}`), "query");
      const result = await this.step(client.query(QUERY, [this.options.cell]), "query");
      await this.step(client.query("commit"), "query");
      return result.rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async clientConfig(): Promise<ClientConfig> {
    const o = this.options;
    const local = o.host === "localhost" || o.host === "::1" || o.host.startsWith("127.");
    if (o.insecurePlaintext && !local) {
      throw new RosterError([
        `the roster database ${o.host}:${o.port} is not on loopback, so \`insecurePlaintext\` is refused (accepted: TLS, or a loopback host)`,
      ]);
    }
    return {
      host: o.host,
      port: o.port,
      database: o.database,
      user: o.user,
      password: o.password,
      application_name: `instantworker-cell-${o.cell}`,
      connectionTimeoutMillis: o.connectTimeoutMs,
      // A backstop on the client side, in case the server never answers the cancelled statement.
      query_timeout: o.statementTimeoutMs + o.connectTimeoutMs,
      ssl: o.insecurePlaintext ? false : await this.tlsOptions(),
    };
  }

  private async tlsOptions(): Promise<ClientConfig["ssl"]> {
    const o = this.options;
    const servername = isIP(o.host) ? undefined : o.host;
    if (!o.caCertPath) return { rejectUnauthorized: true, servername };
    try {
      return { rejectUnauthorized: true, servername, ca: await readFile(o.caCertPath, "utf8") };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
      throw new RosterError([
        `the roster database CA file ${o.caCertPath} cannot be read (${code}); give a PEM file`,
      ]);
    }
  }

  private async step<T>(work: Promise<T>, phase: "connect" | "query"): Promise<T> {
    try {
      return await work;
    } catch (err) {
      throw this.explain(err as Error & { code?: string }, phase);
    }
  }

  private explain(err: Error & { code?: string }, phase: "connect" | "query"): RosterError {
    const o = this.options;
    const at = `the roster database ${o.host}:${o.port}`;
    const code = err.code ?? "";
    if (code === "57014" || /query read timeout/i.test(err.message)) {
      return new RosterError([
        `the roster query on ${o.host}:${o.port} did not finish within ${o.statementTimeoutMs} ms (statementTimeoutMs)`,
      ]);
    }
    if (phase === "connect" && /timeout/i.test(err.message)) {
      return new RosterError([
        `${at} did not answer within ${o.connectTimeoutMs} ms (connectTimeoutMs)`,
      ]);
    }
    const reason = this.reason(err, code);
    return new RosterError([
      phase === "connect"
        ? `${at} could not be connected to: ${reason}`
        : `the roster query on ${o.host}:${o.port} failed: ${reason}`,
    ]);
  }

  /** Keeps only what names the failure; never the password, which no pg message holds anyway. */
  private reason(err: Error, code: string): string {
    const { password } = this.options;
    let message = err.message.split("\n")[0];
    if (password) message = message.replaceAll(password, "<password>");
    // SQLSTATE classes never start with E; Node's system and TLS error codes do or are longer.
    if (/^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code)) return `${message} (SQLSTATE ${code})`;
    return code && !message.includes(code) ? `${message} (${code})` : message;
  }
}
