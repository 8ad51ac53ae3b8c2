/** Shapes of the values the gatekeeper accepts from tokens and from its host map. */
export { SLUG_PATTERN } from "../lib/cell-contract";

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const HOST_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;
/** Nonces and session ids: base64url, 16 to 64 characters (12 to 48 random bytes). */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
