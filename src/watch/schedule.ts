import { backoffDelay } from "../lib/backoff.js";
import { NamespaceNotFoundError, RateLimitedError, TopicNotFoundError } from "../pulsar/errors.js";
import type { WatchTimings } from "./timings.js";

/**
 * When a watcher polls next. Pure: time comes in as arguments, randomness is injected.
 *
 * - After a good poll with the backlog above `fastPollAbove` (the smallest activation threshold,
 *   default 0): `activePollMs` (KEDA reads no faster; `slowPollMs` when smaller), or sooner when the backlog drains towards
 *   the threshold: at the time the drain since the previous poll would reach it, never sooner than
 *   `fastPollMs` (so the edge to inactive, scale-to-zero, is seen promptly).
 * - At or below the threshold: `slowPollMs`, or `noArrivalsPollMs` while the arrival reader is not
 *   connected (the armed tripwire reports what comes).
 * - After a failed poll: exponential backoff with full jitter (`errorBackoffBaseMs` doubling up to
 *   `errorBackoffMaxMs`); a 429's Retry-After wins when larger (capped at `retryAfterMaxMs`). A
 *   topic or namespace that does not exist (404) is asked again at the idle rate (`slowPollMs`) at
 *   the soonest: a name that may never exist must cost nothing (ghost keys), and one created later
 *   is seen within an idle interval.
 * - An arrival (or a read that found an old observation) pulls the next poll in to
 *   `arrivalDebounceMs` from now, but never sooner than `fastPollMs` after the previous poll
 *   started, and never during error backoff (Retry-After is honoured).
 */
export class PollSchedule {
  private failures = 0;
  private lastStartedAt: number | undefined;
  private arrivalsConnected = false;
  /** The previous good poll (start time and backlog), to see a drain. */
  private previous: { readonly at: number; readonly backlog: number } | undefined;

  constructor(
    private readonly timings: WatchTimings,
    private readonly fastPollAbove = 0,
    private readonly random: () => number = Math.random,
  ) {}

  /** Consecutive failed polls. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  get inBackoff(): boolean {
    return this.failures > 0;
  }

  pollStarted(now: number): void {
    this.lastStartedAt = now;
  }

  /** Whether the arrival reader is connected (arrivals can be relied on). */
  setArrivalsConnected(connected: boolean): void {
    this.arrivalsConnected = connected;
  }

  get arrivalsReliable(): boolean {
    return this.arrivalsConnected;
  }

  /** Delay until the next poll after a good one (started at the last `pollStarted`) that saw `backlog`. */
  afterSuccess(backlog: number): number {
    this.failures = 0;
    const at = this.lastStartedAt;
    const previous = this.previous;
    this.previous = at === undefined ? undefined : { at, backlog };
    const delay = this.idleDelay(backlog);
    if (backlog <= this.fastPollAbove || previous === undefined || at === undefined) return delay;
    return Math.min(delay, this.drainDelay(previous, at, backlog));
  }

  /** When the drain from `previous` to `backlog` at `at` would reach the threshold (>= fastPollMs). */
  private drainDelay(previous: { at: number; backlog: number }, at: number, backlog: number): number {
    const elapsed = at - previous.at;
    const drained = previous.backlog - backlog;
    if (elapsed <= 0 || drained <= 0) return Number.POSITIVE_INFINITY;
    const eta = ((backlog - this.fastPollAbove) * elapsed) / drained;
    return Math.max(this.timings.fastPollMs, Math.ceil(eta));
  }

  /** Delay until the next poll after a failed one. */
  afterError(err: unknown): number {
    const t = this.timings;
    const delay = backoffDelay(this.failures, {
      baseMs: t.errorBackoffBaseMs,
      maxMs: t.errorBackoffMaxMs,
      random: this.random,
    });
    this.failures++;
    if (err instanceof TopicNotFoundError || err instanceof NamespaceNotFoundError) {
      return Math.max(delay, t.slowPollMs);
    }
    const retryAfter = err instanceof RateLimitedError ? err.retryAfterMs : undefined;
    if (retryAfter !== undefined && retryAfter > delay) return Math.min(retryAfter, t.retryAfterMaxMs);
    return delay;
  }

  /** Interval without errors nor drain for a backlog (also the longest wait while arrivals are down). */
  idleDelay(backlog: number): number {
    const t = this.timings;
    // Never slower than when idle: slowPollMs sets the staleness bound (3 x by default).
    if (backlog > this.fastPollAbove) return Math.min(t.activePollMs, t.slowPollMs);
    return this.arrivalsConnected ? t.slowPollMs : Math.min(t.noArrivalsPollMs, t.slowPollMs);
  }

  /**
   * Delay to the next poll when the arrival reader was lost: at most `noArrivalsPollMs`, active or
   * not (a reader dropping is often Pulsar going away: the error grace must start soon).
   */
  readerLostDelay(backlog: number): number {
    return Math.min(this.timings.noArrivalsPollMs, this.idleDelay(backlog));
  }

  /**
   * When (epoch ms) the quick poll an arrival (or a read of an old observation) at `now` asks for is
   * due, or undefined when it must not move the schedule (error backoff).
   */
  arrivalPollAt(now: number): number | undefined {
    if (this.inBackoff) return undefined;
    const soonest = now + this.timings.arrivalDebounceMs;
    if (this.lastStartedAt === undefined) return soonest;
    return Math.max(soonest, this.lastStartedAt + this.timings.fastPollMs);
  }
}
