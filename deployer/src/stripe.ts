/**
 * Stripe webhooks. The cell is not looked up anywhere: the web app writes `instantworker_cell` and
 * `instantworker_user_id` into the checkout session's and the subscription's metadata when it creates
 * the checkout, because the cell is fixed at signup, before payment. That keeps database credentials out
 * of the deployer, and every subscription event (and the invoice events, which copy the subscription's
 * metadata) carries the cell. The Stripe event only marks the cell dirty: the roster in Supabase stays
 * the truth, and the web app's own profile update arrives as a Supabase event for a follow-up run.
 */
import Stripe from "stripe";
import { BadRequest, type Intake, Unauthorized, isCellName } from "./intake";

export const STRIPE_SIGNATURE_HEADER = "stripe-signature";
export const CELL_METADATA_KEY = "instantworker_cell";
export const USER_METADATA_KEY = "instantworker_user_id";
/** Stripe's own default, in seconds; older signatures are refused as replays. */
export const STRIPE_TOLERANCE_SECONDS = 300;

export const STRIPE_EVENT_TYPES = new Set([
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.paused",
  "customer.subscription.resumed",
  "invoice.paid",
  "invoice.payment_failed",
]);

type StripeEvent = { id: string; type: string; data: { object: Record<string, unknown> } };

export function verifyStripe(secret: string, signature: unknown, body: Buffer): StripeEvent {
  if (typeof signature !== "string" || signature.length === 0) {
    throw new Unauthorized("the Stripe-Signature header is missing");
  }
  try {
    const event = Stripe.webhooks.constructEvent(body, signature, secret, STRIPE_TOLERANCE_SECONDS);
    return event as unknown as StripeEvent;
  } catch (err) {
    // Stripe reports a bad signature with its own error type; anything else is a body it cannot parse.
    if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
      throw new Unauthorized("the Stripe signature does not match or is too old");
    }
    throw new BadRequest("the body is not a Stripe event");
  }
}

export function parseStripe(event: StripeEvent): Intake {
  if (typeof event.id !== "string" || typeof event.type !== "string") {
    throw new BadRequest("the Stripe event has no string `id` and `type`");
  }
  if (!STRIPE_EVENT_TYPES.has(event.type)) return { kind: "ignored", reason: event.type };
  const object = event.data?.object;
  if (typeof object !== "object" || object === null) {
    throw new BadRequest("the Stripe event has no `data.object`");
  }
  const metadata = metadataOf(object);
  const cell = metadata[CELL_METADATA_KEY];
  if (cell === undefined) {
    return { kind: "ignored", reason: `${event.type} without ${CELL_METADATA_KEY} metadata` };
  }
  if (!isCellName(cell)) {
    throw new BadRequest(
      `metadata ${CELL_METADATA_KEY} \`${String(cell).slice(0, 40)}\` is not a cell name`,
    );
  }
  const subject = String(metadata[USER_METADATA_KEY] ?? object.customer ?? "");
  return {
    kind: "accepted",
    event: { id: `stripe:${event.id}`, source: "stripe", type: event.type, subject, cells: [cell] },
  };
}

/** Invoices carry their subscription's metadata in `parent` (API 2025+) or `subscription_details`. */
function metadataOf(object: Record<string, unknown>): Record<string, unknown> {
  const candidates = [
    object.metadata,
    (object.parent as { subscription_details?: { metadata?: unknown } } | undefined)
      ?.subscription_details?.metadata,
    (object.subscription_details as { metadata?: unknown } | undefined)?.metadata,
  ];
  for (const m of candidates) {
    if (m && typeof m === "object" && CELL_METADATA_KEY in m) return m as Record<string, unknown>;
  }
  return {};
}
