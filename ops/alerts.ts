/**
 * Alerts leave the cell as one JSON object per POST to the operators' webhook. An alert names the cell and
 * the worker's slug and carries at most a short, redacted excerpt: enough to recognise the event, never a
 * transcript, a key or a token.
 */
import type { Logger } from "./log";

export type Monitor = "scanner" | "egress" | "health" | "budget";
export type Severity = "info" | "warning" | "critical";

export interface Alert {
  cell: string;
  slug: string | null;
  monitor: Monitor;
  kind: string;
  severity: Severity;
  summary: string;
  excerpt?: string;
  details?: Record<string, string | number | boolean | string[]>;
}

export const EXCERPT_LIMIT = 160;

const SECRET_SHAPES: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\b(?:ghp|gho|ghs|github_pat|xox[abposr]|glpat)[-_][A-Za-z0-9_-]{8,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  /\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{12,}/gi,
  /\b([A-Z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD)[A-Z0-9_]*)\s*[=:]\s*\S+/gi,
  /(\/\/[^/\s:@]+:)[^@\s/]+@/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b[A-Za-z0-9+/]{40,}={0,2}/g,
  /\b[a-f0-9]{40,}\b/gi,
];

/** Replaces anything shaped like a credential, then shortens to the excerpt limit. */
export function redact(text: string, limit = EXCERPT_LIMIT): string {
  let out = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ");
  for (const shape of SECRET_SHAPES) {
    out = out.replace(shape, (match, ...groups) => {
      const keep =
        typeof groups[0] === "string" && groups[0].length < match.length ? groups[0] : "";
      if (/^(bearer|token|basic)$/i.test(keep)) return `${keep} [redacted]`;
      if (keep.startsWith("//")) return `${keep}[redacted]@`;
      if (keep && /^[A-Z0-9_]+$/i.test(keep)) return `${keep}=[redacted]`;
      return "[redacted]";
    });
  }
  out = out.replace(/\s+/g, " ").trim();
  return out.length > limit ? `${out.slice(0, limit - 1)}…` : out;
}

export interface AlertSink {
  send(alert: Alert): Promise<void>;
}

/**
 * Posts each alert to the webhook. The URL itself may embed a token (Slack-style webhooks do), so only
 * its origin ever reaches the log. A failed delivery is logged and counted, never retried in a loop:
 * the next run reports what is still wrong.
 */
export function webhookSink(
  url: string,
  log: Logger,
  timeoutMs = 10_000,
): AlertSink & { failures: number } {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    throw new Error(
      `Alert webhook \`${url.slice(0, 8)}…\` is not a URL; an http(s) URL is accepted.`,
    );
  }
  const sink = {
    failures: 0,
    async send(alert: Alert): Promise<void> {
      const body = JSON.stringify({
        source: "instantworker-cell-tools",
        at: new Date().toISOString(),
        ...alert,
        excerpt: alert.excerpt === undefined ? undefined : redact(alert.excerpt),
        summary: redact(alert.summary, 300),
      });
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!response.ok) throw new Error(`status ${response.status}`);
        log("alert.sent", { monitor: alert.monitor, kind: alert.kind, slug: alert.slug });
      } catch (error) {
        sink.failures += 1;
        log("alert.failed", { origin, kind: alert.kind, slug: alert.slug, reason: String(error) });
      }
    },
  };
  return sink;
}

/** Logs alerts instead of sending them: used when no webhook is configured, and by `--dry-run`. */
export function logSink(log: Logger): AlertSink {
  return {
    async send(alert) {
      log("alert.unsent", {
        monitor: alert.monitor,
        kind: alert.kind,
        slug: alert.slug,
        summary: redact(alert.summary, 300),
      });
    },
  };
}
