/**
 * Runs the rules over one piece of text. What the agent *read* (user turns, tool results, web pages) is
 * checked for injection; what the agent *did* (tool calls, shell commands, its own replies) is checked for
 * suspicious commands and exfiltration. Splitting the two keeps a web page that merely mentions
 * `curl | sh` from raising an alarm, while the agent running it does.
 */
import { redact } from "../alerts";
import {
  COMMAND_RULES,
  EXFILTRATION_RULES,
  INJECTION_RULES,
  type Family,
  type Rule,
} from "./patterns";
import { variants } from "./normalize";

export type Channel = "incoming" | "action" | "reply";

export interface Finding {
  rule: string;
  family: Family;
  /** How the text had to be decoded for the rule to match ("plain" when it matched as written). */
  via: string;
  excerpt: string;
}

const RULES_BY_CHANNEL: Record<Channel, Rule[]> = {
  incoming: INJECTION_RULES,
  action: [...COMMAND_RULES, ...EXFILTRATION_RULES],
  reply: EXFILTRATION_RULES,
};

/** Decodings that turn ordinary prose into noise: only phrase rules are run over them. */
const PHRASE_ONLY = new Set(["leetspeak", "rot13"]);

function excerptAround(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 50);
  const end = Math.min(text.length, index + length + 50);
  return `${start > 0 ? "…" : ""}${text.slice(start, end)}${end < text.length ? "…" : ""}`;
}

export function detect(text: string, channel: Channel): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const variant of variants(text)) {
    for (const rule of RULES_BY_CHANNEL[channel]) {
      if (seen.has(rule.id)) continue;
      if (PHRASE_ONLY.has(variant.via) && rule.family !== "injection") continue;
      const match = rule.pattern.exec(variant.text);
      if (!match) continue;
      seen.add(rule.id);
      findings.push({
        rule: rule.id,
        family: rule.family,
        via: variant.via,
        excerpt: redact(excerptAround(variant.text, match.index, match[0].length)),
      });
    }
  }
  return findings;
}
