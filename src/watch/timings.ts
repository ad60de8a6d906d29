import { ConfigError } from "../lib/errors.js";

/** Every timing of a watcher, in milliseconds. Defaults live in DEFAULT_WATCH_TIMINGS only. */
export interface WatchTimings {
  /** Delay from an arrival to the stats poll it triggers (arrivals within it share the poll). */
  readonly arrivalDebounceMs: number;
  /** Poll interval while the backlog is above the fast-poll threshold (to see the drain). */
  readonly fastPollMs: number;
  /** Poll interval when idle; arrivals are pushed, this only guards against a missed event. */
  readonly slowPollMs: number;
  /** Idle poll interval while the arrival reader is not connected (activation within seconds). */
  readonly noArrivalsPollMs: number;
  /** First retry delay after a failed poll; doubles per consecutive failure, with full jitter. */
  readonly errorBackoffBaseMs: number;
  /** Cap of the error backoff. */
  readonly errorBackoffMaxMs: number;
  /** A broker's Retry-After longer than the backoff is honoured, up to this. */
  readonly retryAfterMaxMs: number;
}

export const DEFAULT_WATCH_TIMINGS: WatchTimings = Object.freeze({
  arrivalDebounceMs: 50,
  fastPollMs: 1_000,
  slowPollMs: 30_000,
  noArrivalsPollMs: 5_000,
  errorBackoffBaseMs: 1_000,
  errorBackoffMaxMs: 30_000,
  retryAfterMaxMs: 300_000,
});

/** Defaults overridden by `partial`; throws ConfigError listing every bad value. */
export function watchTimings(partial: Partial<WatchTimings> = {}): WatchTimings {
  const t: WatchTimings = { ...DEFAULT_WATCH_TIMINGS };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) Object.assign(t, { [k]: v });
  const problems: string[] = [];
  for (const [k, v] of Object.entries(t)) {
    const min = k === "arrivalDebounceMs" ? 0 : 1;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
      problems.push(`watch timing ${k} = ${String(v)}: expected a number >= ${min}`);
    }
  }
  if (t.errorBackoffMaxMs < t.errorBackoffBaseMs) {
    problems.push(
      `watch timing errorBackoffMaxMs = ${t.errorBackoffMaxMs}: expected >= errorBackoffBaseMs (${t.errorBackoffBaseMs})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(t);
}
