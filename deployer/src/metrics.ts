/**
 * A handful of counters, gauges and histograms rendered in Prometheus' text format. Small enough that a
 * client library would add more code than it saves.
 */
type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`)
    .join(",");

class Family {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: "counter" | "gauge",
  ) {}
}

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    this.buckets.forEach((b, i) => {
      if (value <= b) this.counts[i] += 1;
    });
  }
}

export class Metrics {
  private readonly families = new Map<string, Family>();
  private readonly histograms = new Map<string, Histogram>();

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const f = this.family(name, help, "counter");
    const k = key(labels);
    f.values.set(k, (f.values.get(k) ?? 0) + by);
  }

  set(name: string, help: string, value: number, labels: Labels = {}): void {
    this.family(name, help, "gauge").values.set(key(labels), value);
  }

  observe(name: string, help: string, buckets: number[], value: number): void {
    let h = this.histograms.get(name);
    if (!h) this.histograms.set(name, (h = new Histogram(name, help, buckets)));
    h.observe(value);
  }

  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.kind}`);
      for (const [k, v] of f.values) out.push(`${f.name}${k ? `{${k}}` : ""} ${v}`);
    }
    for (const h of this.histograms.values()) {
      out.push(`# HELP ${h.name} ${h.help}`, `# TYPE ${h.name} histogram`);
      h.buckets.forEach((b, i) => out.push(`${h.name}_bucket{le="${b}"} ${h.counts[i]}`));
      out.push(`${h.name}_bucket{le="+Inf"} ${h.count}`);
      out.push(`${h.name}_sum ${h.sum}`, `${h.name}_count ${h.count}`);
    }
    return out.join("\n") + "\n";
  }

  private family(name: string, help: string, kind: "counter" | "gauge"): Family {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = new Family(name, help, kind)));
    return f;
  }
}
