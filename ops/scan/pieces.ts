/**
 * Splits one OpenClaw transcript entry into the texts the scanner judges, each tagged with whether the
 * agent read it or did it. Entry shapes follow OpenClaw's session entry codec: `message` entries carry a
 * `user`, `assistant`, `toolResult`, `custom` or `bashExecution` message; anything else is read as content.
 */
import type { Channel } from "./detect";

export interface Piece {
  channel: Channel;
  text: string;
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (value && typeof value === "object")
    for (const item of Object.values(value)) strings(item, out);
  return out;
}

function contentTexts(content: unknown): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) =>
    part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string"
      ? [(part as { text: string }).text]
      : [],
  );
}

function assistantPieces(content: unknown): Piece[] {
  if (typeof content === "string") return [{ channel: "reply", text: content }];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part): Piece[] => {
    if (!part || typeof part !== "object") return [];
    const item = part as { type?: string; text?: unknown; arguments?: unknown; input?: unknown };
    if (item.type === "text" && typeof item.text === "string")
      return [{ channel: "reply", text: item.text }];
    if (item.type === "toolCall" || item.type === "tool_use") {
      return [{ channel: "action", text: strings(item.arguments ?? item.input).join("\n") }];
    }
    return [];
  });
}

export function piecesOf(entry: unknown): Piece[] {
  if (!entry || typeof entry !== "object") return [];
  const record = entry as { type?: string; message?: Record<string, unknown> };
  if (record.type === "session") return [];
  if (record.type !== "message" || !record.message) {
    return [{ channel: "incoming", text: strings(record).join("\n") }];
  }
  const message = record.message;
  switch (message.role) {
    case "assistant":
      return assistantPieces(message.content);
    case "bashExecution":
      return [
        { channel: "action", text: String(message.command ?? "") },
        { channel: "incoming", text: String(message.output ?? "") },
      ];
    default:
      return contentTexts(message.content).map((text) => ({ channel: "incoming" as const, text }));
  }
}
