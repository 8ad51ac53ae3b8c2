/**
 * The two signed tokens of the edge. A ticket is minted by the dashboard with the shared ticket secret and
 * lives at most a minute; a session is minted here with the gatekeeper's own cookie secret. Both are
 * `<kind>.<base64url JSON>.<base64url HMAC-SHA256 of "<kind>.<base64url JSON>">`, and the kind prefix keeps
 * one from ever passing as the other.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { HOST_PATTERN as HOST, NONCE_PATTERN as NONCE, UUID_PATTERN as UUID } from "./patterns";

export const TICKET_KIND = "iwt1";
export const SESSION_KIND = "iws1";
export const MAX_TICKET_SECONDS = 60;
export const MAX_TOKEN_LENGTH = 2048;

export interface Ticket {
  sub: string;
  host: string;
  iat: number;
  exp: number;
  nonce: string;
}

export interface Session {
  sub: string;
  host: string;
  sid: string;
  exp: number;
}

/** Why a token was refused; short words that go into logs as they are. */
export type Refusal =
  "malformed" | "bad-signature" | "expired" | "too-long-lived" | "not-yet-valid";

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: Refusal };

function sign(secret: string, signed: string): Buffer {
  return createHmac("sha256", secret).update(signed).digest();
}

export function encodeToken(kind: string, payload: object, secret: string): string {
  const body = `${kind}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${body}.${sign(secret, body).toString("base64url")}`;
}

/** Checks the signature before parsing anything the signer did not vouch for. */
function decodeToken(
  kind: string,
  token: string,
  secret: string,
): Checked<Record<string, unknown>> {
  const parts = token.length <= MAX_TOKEN_LENGTH ? token.split(".") : [];
  if (parts.length !== 3 || parts[0] !== kind) return { ok: false, reason: "malformed" };
  const given = Buffer.from(parts[2], "base64url");
  const expected = sign(secret, `${parts[0]}.${parts[1]}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "bad-signature" };
  }
  try {
    const value: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return { ok: true, value: value as Record<string, unknown> };
    }
  } catch {
    // A payload that is not JSON is malformed like any other.
  }
  return { ok: false, reason: "malformed" };
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const matches = (v: unknown, re: RegExp): v is string => typeof v === "string" && re.test(v);

export function mintTicket(secret: string, ticket: Ticket): string {
  return encodeToken(TICKET_KIND, ticket, secret);
}

/** `skewSeconds` tolerates a dashboard clock slightly ahead of the cell's. */
export function verifyTicket(
  secret: string,
  token: string,
  now: number,
  skewSeconds = 5,
): Checked<Ticket> {
  const decoded = decodeToken(TICKET_KIND, token, secret);
  if (!decoded.ok) return decoded;
  const { sub, host, iat, exp, nonce } = decoded.value;
  if (!matches(sub, UUID) || !matches(host, HOST) || !matches(nonce, NONCE)) {
    return { ok: false, reason: "malformed" };
  }
  if (!isInt(iat) || !isInt(exp)) return { ok: false, reason: "malformed" };
  if (exp - iat > MAX_TICKET_SECONDS || exp <= iat) {
    return { ok: false, reason: "too-long-lived" };
  }
  if (iat > now + skewSeconds) return { ok: false, reason: "not-yet-valid" };
  if (exp <= now) return { ok: false, reason: "expired" };
  return { ok: true, value: { sub, host, iat, exp, nonce } };
}

export function newSessionId(): string {
  return randomBytes(16).toString("base64url");
}

export function mintSession(secret: string, session: Session): string {
  return encodeToken(SESSION_KIND, session, secret);
}

export function verifySession(secret: string, token: string, now: number): Checked<Session> {
  const decoded = decodeToken(SESSION_KIND, token, secret);
  if (!decoded.ok) return decoded;
  const { sub, host, sid, exp } = decoded.value;
  if (!matches(sub, UUID) || !matches(host, HOST) || !matches(sid, NONCE) || !isInt(exp)) {
    return { ok: false, reason: "malformed" };
  }
  if (exp <= now) return { ok: false, reason: "expired" };
  return { ok: true, value: { sub, host, sid, exp } };
}
