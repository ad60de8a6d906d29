import { integer } from "../lib/config-parsers.js";
import { field, type Checks, type ConfigOf } from "../lib/config.js";
import { DEFAULT_WATCH_TIMINGS, timingProblems, WATCH_TIMING_RANGES, type WatchTimings } from "./timings.js";

const d = DEFAULT_WATCH_TIMINGS;
const r = WATCH_TIMING_RANGES;

/**
 * Watcher timing flags shared by the hub (fallback watchers) and the sidecar: spread into a
 * program's schema. Defaults come from DEFAULT_WATCH_TIMINGS, the one place they live.
 */
export const watchTimingsSchema = {
  arrivalDebounceMs: field({
    flag: "arrival-debounce-ms",
    env: "PPS_ARRIVAL_DEBOUNCE_MS",
    doc: "delay from a message arrival to the stats poll it triggers",
    parser: integer(r.arrivalDebounceMs),
    default: d.arrivalDebounceMs,
  }),
  fastPollMs: field({
    flag: "fast-poll-ms",
    env: "PPS_FAST_POLL_MS",
    doc: "shortest interval between two stats polls (after an arrival, a drain nearing the threshold)",
    parser: integer(r.fastPollMs),
    default: d.fastPollMs,
  }),
  activePollMs: field({
    flag: "active-poll-ms",
    env: "PPS_ACTIVE_POLL_MS",
    doc: "stats poll interval while the backlog is above the threshold (KEDA's HPA reads every 15 s)",
    parser: integer(r.activePollMs),
    default: d.activePollMs,
  }),
  slowPollMs: field({
    flag: "slow-poll-ms",
    env: "PPS_SLOW_POLL_MS",
    doc: "stats poll interval when idle (arrivals are pushed; this guards against a missed event)",
    parser: integer(r.slowPollMs),
    default: d.slowPollMs,
  }),
  noArrivalsPollMs: field({
    flag: "no-arrivals-poll-ms",
    env: "PPS_NO_ARRIVALS_POLL_MS",
    doc: "idle poll interval while the WebSocket reader is not connected",
    parser: integer(r.noArrivalsPollMs),
    default: d.noArrivalsPollMs,
  }),
  errorBackoffBaseMs: field({
    flag: "error-backoff-base-ms",
    env: "PPS_ERROR_BACKOFF_BASE_MS",
    doc: "first retry delay after a failed stats poll (doubles per failure, with jitter)",
    parser: integer(r.errorBackoffBaseMs),
    default: d.errorBackoffBaseMs,
  }),
  errorBackoffMaxMs: field({
    flag: "error-backoff-max-ms",
    env: "PPS_ERROR_BACKOFF_MAX_MS",
    doc: "cap of the error backoff",
    parser: integer(r.errorBackoffMaxMs),
    default: d.errorBackoffMaxMs,
  }),
  retryAfterMaxMs: field({
    flag: "retry-after-max-ms",
    env: "PPS_RETRY_AFTER_MAX_MS",
    doc: "longest broker Retry-After honoured (the hub's own watchers: at most the staleness bound)",
    parser: integer(r.retryAfterMaxMs),
    default: d.retryAfterMaxMs,
  }),
};

export type WatchTimingsConfig = ConfigOf<typeof watchTimingsSchema>;

/**
 * The WatchTimings of a parsed config: each value was checked by its flag's parser, so only the
 * rules between timings run here, naming the flags; their problems go to `checks`.
 */
export function timingsFromConfig(cfg: WatchTimingsConfig, checks: Checks): WatchTimings {
  const t: WatchTimings = Object.freeze({
    arrivalDebounceMs: cfg.arrivalDebounceMs,
    fastPollMs: cfg.fastPollMs,
    activePollMs: cfg.activePollMs,
    slowPollMs: cfg.slowPollMs,
    noArrivalsPollMs: cfg.noArrivalsPollMs,
    errorBackoffBaseMs: cfg.errorBackoffBaseMs,
    errorBackoffMaxMs: cfg.errorBackoffMaxMs,
    retryAfterMaxMs: cfg.retryAfterMaxMs,
  });
  const flag = (k: keyof WatchTimings) => `--${watchTimingsSchema[k].flag}`;
  for (const p of timingProblems(t, flag, checks.ok)) checks.problem(p);
  return t;
}
