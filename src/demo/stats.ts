import { median, type DemoEvent } from "./timeline.js";

/** What the summary reports; filled in by the composition as events happen. */
export interface DemoStats {
  activations: number;
  /** Activation latencies (first message of a burst to the pushed `true`), in ms. */
  readonly latenciesMs: number[];
  maxBacklog: number;
  published: number;
  acked: number;
}

export function emptyStats(): DemoStats {
  return { activations: 0, latenciesMs: [], maxBacklog: 0, published: 0, acked: 0 };
}

/** The summary event of a run that lasted `durationMs`. */
export function summaryEvent(s: DemoStats, durationMs: number): Extract<DemoEvent, { type: "summary" }> {
  return {
    type: "summary",
    durationS: durationMs / 1000,
    activations: s.activations,
    activationP50Ms: median(s.latenciesMs),
    activationMaxMs: s.latenciesMs.length > 0 ? Math.max(...s.latenciesMs) : undefined,
    maxBacklog: s.maxBacklog,
    published: s.published,
    acked: s.acked,
  };
}
