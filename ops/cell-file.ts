/**
 * The cell file: what the last deploy placed on this host (`/etc/instantworker/cell.json`). The program
 * writes it from the validated roster; the monitors and the purge read it, so they never need database
 * credentials on the cell host. It holds slugs, slots and states only: no user ids, no secrets.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SLUG_PATTERN, workerAddress } from "../lib/cell-contract";
import { parseCidr, type Cidr } from "../lib/net";
import { OpsError } from "./errors";

export const DEFAULT_CELL_FILE = "/etc/instantworker/cell.json";

const cellFileSchema = z.object({
  cell: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  workersSubnet: z.string(),
  workers: z.array(
    z.object({
      slug: z.string().regex(SLUG_PATTERN),
      slot: z.number().int().min(0),
      state: z.enum(["active", "suspended"]),
    }),
  ),
});

export type CellFile = z.infer<typeof cellFileSchema>;

export interface CellView extends CellFile {
  subnet: Cidr;
  /** Worker address → slug, for reading logs that only know the source address. */
  slugByAddress: Map<string, string>;
  slugs: Set<string>;
}

export function parseCellFile(text: string, source: string): CellView {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new OpsError(
      `Cell file \`${source}\` is not valid JSON; the deploy writes it, redeploy.`,
    );
  }
  const parsed = cellFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join(".") || "(root)";
    throw new OpsError(`Cell file \`${source}\` has a bad \`${field}\`: ${issue.message}.`);
  }
  const subnet = parseCidr(parsed.data.workersSubnet);
  if (!subnet) {
    throw new OpsError(
      `Cell file \`${source}\` has workersSubnet \`${parsed.data.workersSubnet}\`; a CIDR such as 10.210.0.0/22 is accepted.`,
    );
  }
  const slugByAddress = new Map<string, string>();
  for (const worker of parsed.data.workers) {
    slugByAddress.set(workerAddress(subnet, worker.slot), worker.slug);
  }
  const slugs = new Set(parsed.data.workers.map((w) => w.slug));
  return { ...parsed.data, subnet, slugByAddress, slugs };
}

export function readCellFile(path: string = DEFAULT_CELL_FILE): CellView {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new OpsError(
      `Cell file \`${path}\` cannot be read; deploy the cell first or pass --cell-file.`,
    );
  }
  return parseCellFile(text, path);
}
