/**
 * A tiny Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with
 * labels, rendered on demand. `noopMetrics` has the same shape and records nothing (tests).
 */
export type Labels<L extends string> = Readonly<Record<L, string>>;

export interface Counter<L extends string> {
  inc(labels: Labels<L>, by?: number): void;
}

export interface Gauge<L extends string> {
  set(labels: Labels<L>, value: number): void;
  inc(labels: Labels<L>, by?: number): void;
  dec(labels: Labels<L>, by?: number): void;
}

export interface Histogram<L extends string> {
  observe(labels: Labels<L>, value: number): void;
}

/** One sample of a collected family: its labels and value. */
export type Sample<L extends string> = readonly [labels: Labels<L>, value: number];

export interface Metrics {
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L>;
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets?: readonly number[],
  ): Histogram<L>;
  /**
   * A gauge or counter whose samples `collect` computes at each render, from state another
   * component holds (so a series whose subject went away is simply not rendered again).
   */
  collected<L extends string>(
    name: string,
    help: string,
    type: "gauge" | "counter",
    labelNames: readonly L[],
    collect: () => Iterable<Sample<L>>,
  ): void;
  /** Prometheus text format of everything registered. */
  render(): string;
}

/** Seconds; suits in-memory RPC handlers (sub-millisecond) up to KEDA's 3 s budget. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: readonly string[], extra = ""): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? "")}"`);
  if (extra) parts.push(extra);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

function num(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

interface Family {
  render(): string[];
}

class Series<L extends string> {
  readonly values = new Map<string, { labels: string[]; value: number }>();
  constructor(readonly labelNames: readonly L[]) {}
  key(labels: Labels<L>): { id: string; labels: string[] } {
    const values = this.labelNames.map((n) => labels[n]);
    return { id: JSON.stringify(values), labels: values };
  }
  add(labels: Labels<L>, by: number, absolute = false): void {
    const { id, labels: values } = this.key(labels);
    const cur = this.values.get(id);
    if (cur) cur.value = absolute ? by : cur.value + by;
    else this.values.set(id, { labels: values, value: by });
  }
}

/** A fresh registry; create one per program (no module-level state). */
export function createMetrics(): Metrics {
  const families = new Map<string, Family>();
  function register(name: string, family: Family): void {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    if (families.has(name)) throw new Error(`metric ${name} registered twice`);
    families.set(name, family);
  }
  function header(name: string, help: string, type: string): string[] {
    return [`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`];
  }
  return {
    counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
      const s = new Series(labelNames);
      register(name, {
        render: () => [
          ...header(name, help, "counter"),
          ...[...s.values.values()].map((v) => `${name}${labelText(labelNames, v.labels)} ${num(v.value)}`),
        ],
      });
      return { inc: (labels, by = 1) => s.add(labels, by) };
    },
    gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
      const s = new Series(labelNames);
      register(name, {
        render: () => [
          ...header(name, help, "gauge"),
          ...[...s.values.values()].map((v) => `${name}${labelText(labelNames, v.labels)} ${num(v.value)}`),
        ],
      });
      return {
        set: (labels, value) => s.add(labels, value, true),
        inc: (labels, by = 1) => s.add(labels, by),
        dec: (labels, by = 1) => s.add(labels, -by),
      };
    },
    histogram<L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      buckets: readonly number[] = DEFAULT_BUCKETS,
    ): Histogram<L> {
      const bounds = [...buckets].sort((a, b) => a - b);
      const s = new Series(labelNames);
      const data = new Map<string, { counts: number[]; sum: number; count: number }>();
      register(name, {
        render: () => {
          const lines = header(name, help, "histogram");
          for (const [id, v] of s.values) {
            const d = data.get(id);
            if (!d) continue;
            let cum = 0;
            bounds.forEach((b, i) => {
              cum += d.counts[i] ?? 0;
              lines.push(`${name}_bucket${labelText(labelNames, v.labels, `le="${num(b)}"`)} ${cum}`);
            });
            lines.push(`${name}_bucket${labelText(labelNames, v.labels, 'le="+Inf"')} ${d.count}`);
            lines.push(`${name}_sum${labelText(labelNames, v.labels)} ${num(d.sum)}`);
            lines.push(`${name}_count${labelText(labelNames, v.labels)} ${d.count}`);
          }
          return lines;
        },
      });
      return {
        observe(labels, value) {
          const { id } = s.key(labels);
          s.add(labels, 0);
          let d = data.get(id);
          if (!d) {
            d = { counts: bounds.map(() => 0), sum: 0, count: 0 };
            data.set(id, d);
          }
          const i = bounds.findIndex((b) => value <= b);
          if (i >= 0) d.counts[i] = (d.counts[i] ?? 0) + 1;
          d.sum += value;
          d.count++;
        },
      };
    },
    collected<L extends string>(
      name: string,
      help: string,
      type: "gauge" | "counter",
      labelNames: readonly L[],
      collect: () => Iterable<Sample<L>>,
    ): void {
      register(name, {
        render: () => [
          ...header(name, help, type),
          ...[...collect()].map(
            ([labels, value]) =>
              `${name}${labelText(
                labelNames,
                labelNames.map((n) => labels[n]),
              )} ${num(value)}`,
          ),
        ],
      });
    },
    render(): string {
      const lines: string[] = [];
      for (const f of families.values()) lines.push(...f.render());
      return lines.length > 0 ? `${lines.join("\n")}\n` : "";
    },
  };
}

const NOOP = Object.freeze({ inc() {}, set() {}, dec() {}, observe() {} });

/** Records nothing, renders nothing. */
export const noopMetrics: Metrics = Object.freeze({
  counter: () => NOOP,
  gauge: () => NOOP,
  histogram: () => NOOP,
  collected: () => {},
  render: () => "",
});
