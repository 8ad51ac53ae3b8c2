/** One valid roster across plans and states; each test changes one thing of it. */
export interface Row {
  user_id: string;
  slug: string;
  cell: string;
  slot: number;
  plan: string;
  state: string;
  templates: string[];
  assistant_name: string;
}

export function userId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

export function row(n: number, overrides: Partial<Row> = {}): Row {
  return {
    user_id: userId(n),
    slug: `user-${n}`,
    cell: "dev",
    slot: n,
    plan: "simple",
    state: "active",
    templates: ["web-research"],
    assistant_name: `Assistant ${n}`,
    ...overrides,
  };
}

export function validRoster(): Row[] {
  return [
    row(0, { slug: "ada", plan: "simple", templates: ["web-research"] }),
    row(1, { slug: "grace", plan: "expert", templates: ["x-engagement", "reddit-engagement"] }),
    row(2, { slug: "linus", plan: "legend", templates: ["blog-writer", "news-monitor"] }),
    row(3, { slug: "margaret", plan: "expert", state: "suspended", templates: ["blog-writer"] }),
    row(7, { slug: "barbara", plan: "legend", templates: ["daily-planner"] }),
  ];
}

/** A roster of `n` active simple-plan workers, for scale and N+1 comparisons. */
export function rosterOf(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => row(i));
}
