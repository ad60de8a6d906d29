import { backoffDelay } from "../lib/backoff.js";
import { NamespaceNotFoundError, RateLimitedError, TopicNotFoundError } from "../pulsar/errors.js";
import type { WatchTimings } from "./timings.js";

/**
 * When a watcher polls next. Pure: time comes in as arguments, randomness is injected.
 *
 * - After a good poll: `fastPollMs` while the backlog is above `fastPollAbove` (default 0: any
 *   backlog), else `slowPollMs`, or `noArrivalsPollMs` while the arrival reader is not connected.
 * - After a failed poll: exponential backoff with full jitter (`errorBackoffBaseMs` doubling up to
 *   `errorBackoffMaxMs`); a 429's Retry-After wins when larger (capped at `retryAfterMaxMs`). A
 *   topic or namespace that does not exist (404) is asked again at the idle rate (`slowPollMs`) at
 *   the soonest: a name that may never exist must cost nothing (ghost keys), and one created later
 *   is seen within an idle interval.
 * - An arrival pulls the next poll in to `arrivalDebounceMs` from now, but never sooner than
 *   `fastPollMs` after the previous poll started (a busy topic is polled at the fast rate, not once
 *   per message), and never during error backoff (Retry-After is honoured).
 */
export class PollSchedule {
  private failures = 0;
  private lastStartedAt: number | undefined;
  private arrivalsConnected = false;

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

  /** Delay until the next poll after a good one that saw `backlog`. */
  afterSuccess(backlog: number): number {
    this.failures = 0;
    return this.idleDelay(backlog);
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

  /** Interval without errors for a backlog (also the longest wait while arrivals are down). */
  idleDelay(backlog: number): number {
    const t = this.timings;
    if (backlog > this.fastPollAbove) return t.fastPollMs;
    return this.arrivalsConnected ? t.slowPollMs : Math.min(t.noArrivalsPollMs, t.slowPollMs);
  }

  /**
   * When (epoch ms) the poll an arrival at `now` asks for is due, or undefined when it must not move
   * the schedule (error backoff).
   */
  arrivalPollAt(now: number): number | undefined {
    if (this.inBackoff) return undefined;
    const soonest = now + this.timings.arrivalDebounceMs;
    if (this.lastStartedAt === undefined) return soonest;
    return Math.max(soonest, this.lastStartedAt + this.timings.fastPollMs);
  }
}
