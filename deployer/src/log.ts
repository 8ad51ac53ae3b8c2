/**
 * Structured logs: one JSON object per line on stdout, with the cell (and the subject of an event) where
 * one applies. Callers pass only values that are safe to show: never a secret, never a request body.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const emit =
    (level: string) =>
    (msg: string, fields: LogFields = {}) =>
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + "\n");
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
