/**
 * Supabase database webhooks. Supabase's own webhook sends fixed headers only, so the profiles trigger
 * in `deployer/sql/webhook.sql` signs each delivery itself with pgcrypto's HMAC and pg_net:
 *
 *   X-InstantWorker-Delivery:  a uuid per delivery (the deduplication key)
 *   X-InstantWorker-Timestamp: unix seconds when it was signed
 *   X-InstantWorker-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<delivery>.<raw body>")>
 *
 * The timestamp bounds replays to the tolerance window; the delivery id makes a replay inside the window
 * a duplicate that changes nothing.
 */
import crypto from "node:crypto";
import { BadRequest, type Intake, Unauthorized, isCellName } from "./intake";

export const DELIVERY_HEADER = "x-instantworker-delivery";
export const TIMESTAMP_HEADER = "x-instantworker-timestamp";
export const SIGNATURE_HEADER = "x-instantworker-signature";
export const SUPABASE_TOLERANCE_SECONDS = 300;

const DELIVERY_PATTERN = /^[A-Za-z0-9-]{8,64}$/;

export function signSupabase(secret: string, timestamp: number, delivery: string, body: Buffer) {
  const mac = crypto.createHmac("sha256", secret);
  mac.update(`${timestamp}.${delivery}.`);
  mac.update(body);
  return `v1=${mac.digest("hex")}`;
}

type Headers = Record<string, string | string[] | undefined>;

/** Checks the signature before anything else is read; throws Unauthorized without saying which part failed. */
export function verifySupabase(
  secret: string,
  headers: Headers,
  body: Buffer,
  nowMs: number,
): string {
  const delivery = single(headers[DELIVERY_HEADER]);
  const timestamp = Number(single(headers[TIMESTAMP_HEADER]));
  const signature = single(headers[SIGNATURE_HEADER]);
  if (!delivery || !DELIVERY_PATTERN.test(delivery) || !signature || !Number.isInteger(timestamp)) {
    throw new Unauthorized("the delivery, timestamp or signature header is missing or malformed");
  }
  const expected = Buffer.from(signSupabase(secret, timestamp, delivery, body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    throw new Unauthorized("the signature does not match");
  }
  if (Math.abs(nowMs / 1000 - timestamp) > SUPABASE_TOLERANCE_SECONDS) {
    throw new Unauthorized("the signature timestamp is outside the tolerance window");
  }
  return delivery;
}

/** Maps a verified profiles-table delivery to the cells it makes dirty. */
export function parseSupabase(delivery: string, body: Buffer, profilesTable: string): Intake {
  const payload = parseJsonObject(body);
  const { type, table, record, old_record: oldRecord } = payload;
  if (typeof type !== "string" || typeof table !== "string") {
    throw new BadRequest("the body has no string `type` and `table` (a Supabase database webhook)");
  }
  if (table !== profilesTable || !["INSERT", "UPDATE", "DELETE"].includes(type)) {
    return { kind: "ignored", reason: `${type} on table ${table}` };
  }
  const rows = [record, oldRecord].filter((r) => r !== null && r !== undefined);
  const cells = new Set<string>();
  let subject = "";
  for (const row of rows) {
    if (typeof row !== "object" || Array.isArray(row)) {
      throw new BadRequest("`record` and `old_record` must be objects or null");
    }
    const { cell, user_id: userId, id } = row as Record<string, unknown>;
    subject ||= String(userId ?? id ?? "");
    if (cell === null || cell === undefined) continue;
    if (!isCellName(cell)) {
      throw new BadRequest(`cell \`${String(cell).slice(0, 40)}\` is not a cell name`);
    }
    cells.add(cell);
  }
  // A profile not yet placed on a cell has no worker to change.
  if (cells.size === 0) return { kind: "ignored", reason: "the profile has no cell yet" };
  return {
    kind: "accepted",
    event: { id: `supabase:${delivery}`, source: "supabase", type, subject, cells: [...cells] },
  };
}

export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    throw new BadRequest("the body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadRequest("the body is not a JSON object");
  }
  return value as Record<string, unknown>;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
