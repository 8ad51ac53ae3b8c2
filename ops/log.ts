/**
 * Structured logging for the cell tools: one JSON object per line on stdout, so journald keeps each event
 * whole and an operator can filter with `jq`. Callers pass facts, never secrets.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>;

export type Logger = (event: string, fields?: LogFields) => void;

export function jsonLogger(write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  return (event, fields = {}) => {
    write(`${JSON.stringify({ at: new Date().toISOString(), event, ...fields })}\n`);
  };
}

/** Collects events in memory; tests read them back. */
export function memoryLogger(): Logger & { events: Array<{ event: string } & LogFields> } {
  const events: Array<{ event: string } & LogFields> = [];
  const log = ((event: string, fields: LogFields = {}) => {
    events.push({ event, ...fields });
  }) as Logger & { events: typeof events };
  log.events = events;
  return log;
}
