/** The roster: who has a worker on this cell. The contract is DESIGN.md's `worker_roster` view. */
import type { PlanName } from "../plans";

export interface RosterEntry {
  user_id: string;
  slug: string;
  cell: string;
  slot: number;
  plan: PlanName;
  state: "active" | "suspended";
  templates: string[];
  assistant_name: string;
}

/** Where rows come from. Sources return raw rows; validation happens once, in `validateRoster`. */
export interface RosterSource {
  /** Names the source for messages, without credentials (e.g. "roster/dev.yaml"). */
  describe(): string;
  load(): Promise<unknown[]>;
}

/** A roster that cannot be trusted. The message holds one line per problem. */
export class RosterError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : problems.map((p) => `  - ${p}`).join("\n"));
    this.name = "RosterError";
  }
}
