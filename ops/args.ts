/** Flag parsing for the cell tools: `--name value`, `--name=value` and boolean `--name`. */
import { OpsError } from "./errors";

export interface FlagSpec {
  /** Flags that take a value, with their defaults (undefined: optional without default). */
  values: Record<string, string | undefined>;
  booleans: string[];
}

export interface Parsed {
  positionals: string[];
  values: Record<string, string | undefined>;
  flags: Set<string>;
}

export function parseArgs(argv: string[], spec: FlagSpec): Parsed {
  const values = { ...spec.values };
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (spec.booleans.includes(name) && inline === undefined) {
      flags.add(name);
    } else if (name in spec.values) {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith("--")) {
        throw new OpsError(`Flag \`--${name}\` needs a value.`);
      }
      values[name] = value;
    } else {
      const known = [...Object.keys(spec.values), ...spec.booleans].map((f) => `--${f}`).join(", ");
      throw new OpsError(`Flag \`${arg}\` is unknown; accepted: ${known}.`);
    }
  }
  return { positionals, values, flags };
}

export function required(parsed: Parsed, name: string): string {
  const value = parsed.values[name];
  if (value === undefined || value === "") throw new OpsError(`Flag \`--${name}\` is required.`);
  return value;
}

export function positiveNumber(parsed: Parsed, name: string): number {
  const text = required(parsed, name);
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new OpsError(`Flag \`--${name}\` is \`${text}\`; a positive number is accepted.`);
  }
  return value;
}
