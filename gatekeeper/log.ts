/**
 * One JSON object per line per event on stdout. Callers pass only what may be logged: slugs, cells, hosts,
 * reasons, addresses. Tickets, cookies and secrets never reach this function.
 */
export type LogFields = Record<string, string | number | boolean | undefined>;

export type Logger = (event: string, fields?: LogFields) => void;

export function jsonLogger(base: LogFields, write = (line: string) => process.stdout.write(line)) {
  const log: Logger = (event, fields = {}) => {
    write(`${JSON.stringify({ ts: new Date().toISOString(), event, ...base, ...fields })}\n`);
  };
  return log;
}
