/**
 * What a webhook delivery turns into once its signature is checked: an event that makes cells dirty,
 * or a reason it changes nothing. Both sources share the error types the HTTP layer maps to statuses.
 */
import type { JournalEvent } from "./journal";

export type Intake =
  { kind: "accepted"; event: JournalEvent } | { kind: "ignored"; reason: string };

/** The request is not what the endpoint accepts (maps to 400); the message is safe to return. */
export class BadRequest extends Error {}

/** The signature is missing or wrong (maps to 401); nothing from the body is trusted or journaled. */
export class Unauthorized extends Error {}

/** Same rule as a stack name in the cell program's configuration. */
export const CELL_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;

export function isCellName(value: unknown): value is string {
  return typeof value === "string" && CELL_PATTERN.test(value);
}
