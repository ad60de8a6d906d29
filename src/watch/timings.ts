import * as v from "valibot";
import { intSchema, intSpan, type IntSchema } from "../lib/config-parsers.js";
import { ConfigError } from "../lib/errors.js";

/** Every timing of a watcher, in milliseconds. Defaults live in DEFAULT_WATCH_TIMINGS only. */
export interface WatchTimings {
  /** Delay from an arrival to the stats poll it triggers (arrivals within it share the poll). */
  readonly arrivalDebounceMs: number;
  /**
   * Shortest interval between two polls (an arrival's poll, a drain nearing the activation
   * threshold, a read that found an old observation never poll sooner than this after the last).
   */
  readonly fastPollMs: number;
  /**
   * Poll interval while the backlog is above the activation threshold and not draining towards it:
   * KEDA reads the metric no faster (HPA every 15 s, its polling tick every 30 s).
   */
  readonly activePollMs: number;
  /** Poll interval when idle; arrivals are pushed, this only guards against a missed event. */
  readonly slowPollMs: number;
  /** Idle poll interval while the arrival reader is not connected (activation within seconds). */
  readonly noArrivalsPollMs: number;
  /** First retry delay after a failed poll; doubles per consecutive failure, with full jitter. */
  readonly errorBackoffBaseMs: number;
  /** Cap of the error backoff. */
  readonly errorBackoffMaxMs: number;
  /**
   * A broker's Retry-After longer than the backoff is honoured, up to this (the hub's own watchers
   * also up to its staleness bound: waiting longer could only serve stale data, retryAfterWithin).
   */
  readonly retryAfterMaxMs: number;
}

export const DEFAULT_WATCH_TIMINGS: WatchTimings = Object.freeze({
  arrivalDebounceMs: 50,
  fastPollMs: 1_000,
  activePollMs: 15_000,
  slowPollMs: 30_000,
  noArrivalsPollMs: 5_000,
  errorBackoffBaseMs: 1_000,
  errorBackoffMaxMs: 30_000,
  /** The default staleness bound (3 x slowPollMs): one 429 must not blind a key for minutes. */
  retryAfterMaxMs: 90_000,
});

/** `t` honouring a Retry-After up to `stalenessMs` at most (the hub's staleness bound). */
export function retryAfterWithin(t: WatchTimings, stalenessMs: number): WatchTimings {
  if (t.retryAfterMaxMs <= stalenessMs) return t;
  return Object.freeze({ ...t, retryAfterMaxMs: stalenessMs });
}

const ms = (min: number) => intSchema(min, 86_400_000);

/** The range of each timing, the one place: flags (timings-schema.ts) and watchTimings use these. */
export const WATCH_TIMING_RANGES: Readonly<Record<keyof WatchTimings, IntSchema>> = Object.freeze({
  arrivalDebounceMs: ms(0),
  fastPollMs: ms(1),
  activePollMs: ms(1),
  slowPollMs: ms(1),
  noArrivalsPollMs: ms(1),
  errorBackoffBaseMs: ms(1),
  errorBackoffMaxMs: ms(1),
  retryAfterMaxMs: ms(1),
});

type Key = keyof WatchTimings;

/**
 * The rules between timings. `name` says how a timing is called where it was given (a flag, or
 * a field); `ok` says whether it was valid on its own (a rule over a bad value would repeat it).
 */
export function timingProblems(
  t: WatchTimings,
  name: (k: Key) => string,
  ok: (...keys: Key[]) => boolean = () => true,
): string[] {
  const problems: string[] = [];
  const atLeast = (big: Key, small: Key) => {
    if (ok(big, small) && t[big] < t[small]) {
      problems.push(`${name(big)} = ${t[big]}: expected at least ${name(small)} (${t[small]})`);
    }
  };
  atLeast("errorBackoffMaxMs", "errorBackoffBaseMs");
  atLeast("activePollMs", "fastPollMs");
  atLeast("slowPollMs", "fastPollMs");
  return problems;
}

/** Defaults overridden by `partial`; throws ConfigError listing every bad value. */
export function watchTimings(partial: Partial<WatchTimings> = {}): WatchTimings {
  const t: WatchTimings = { ...DEFAULT_WATCH_TIMINGS };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) Object.assign(t, { [k]: v });
  const bad = new Set<Key>();
  const problems: string[] = [];
  for (const [k, range] of Object.entries(WATCH_TIMING_RANGES) as Array<[Key, IntSchema]>) {
    if (v.is(range, t[k])) continue;
    bad.add(k);
    problems.push(`watch timing ${k} = ${String(t[k])}: expected an integer in ${intSpan(range)}`);
  }
  problems.push(
    ...timingProblems(
      t,
      (k) => `watch timing ${k}`,
      (...keys) => keys.every((k) => !bad.has(k)),
    ),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(t);
}
