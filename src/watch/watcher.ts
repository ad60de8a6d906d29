import type { Clock, TimerHandle } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { NamespaceNotFoundError, RateLimitedError, TopicNotFoundError } from "../pulsar/errors.js";
import type { ArrivalSource, ArrivalStatus, ArrivalSubscription, StatsReader } from "../pulsar/ports.js";
import type { ArrivalEvent, SubscriptionSnapshot, TopicSnapshot } from "../pulsar/snapshot.js";
import { subscriptionOf } from "../pulsar/subscription-of.js";
import { parseTopicName, type TopicName } from "../pulsar/topic-name.js";
import { keyId, type WatchKey } from "../state/key.js";
import type { Observation } from "../state/observation.js";
import { BacklogAge } from "./backlog-age.js";
import { PollSchedule } from "./schedule.js";
import type { WatchSink } from "./sink.js";
import { DEFAULT_WATCH_TIMINGS, type WatchTimings } from "./timings.js";

export interface WatcherOptions {
  readonly key: WatchKey;
  /** Parsed topic of the key; parsed from `key.topic` when absent. */
  readonly topic?: TopicName | undefined;
  /** The trigger's isPartitionedTopic; undefined lets the StatsReader detect it. */
  readonly partitioned?: boolean | undefined;
  /** Poll fast while the backlog is above this (default 0: any backlog). */
  readonly fastPollAbove?: number;
}

export interface WatcherDeps {
  readonly stats: StatsReader;
  readonly arrivals: ArrivalSource;
  readonly clock: Clock;
  readonly sink: WatchSink;
  readonly timings?: WatchTimings;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
  /** Called when the sink throws (the watcher goes on). */
  readonly onSinkError?: (err: unknown) => void;
  /** Told (warn) of each broker Retry-After honoured. */
  readonly logger?: Logger;
}

/** What a watcher is doing (introspection). */
export interface WatcherStatus {
  readonly running: boolean;
  readonly pollInFlight: boolean;
  readonly nextPollAt: number | undefined;
  readonly consecutiveFailures: number;
  readonly arrivalsConnected: boolean;
  /** Partitions the arrival reader is subscribed with; undefined before the first snapshot. */
  readonly partitions: number | undefined;
}

/**
 * Watches one key: polls stats on the adaptive schedule (one request at a time) and listens to
 * arrivals, reporting both to the sink. Observations carry `observedAt` = when the request was
 * sent. A subscription missing from the stats is reported as an error, never as a 0.
 *
 * The arrival subscription is a tripwire: each `connected` (armed from latest) is followed by one
 * poll that starts after it, so a message published while it was not armed (before the first
 * subscribe, during a reconnect, an unload, a re-arm or a hand-over of the key) is seen by stats.
 * While the key is active nothing re-arms it (stats polling follows the backlog); an observation
 * at or below `fastPollAbove` (inactive for the smallest activation threshold) re-arms it.
 */
export class Watcher {
  private readonly key: WatchKey;
  private readonly topic: TopicName;
  private readonly schedule: PollSchedule;
  private timer: TimerHandle | undefined;
  private dueAt: number | undefined;
  private inFlight = false;
  private started = false;
  private stopped = false;
  private closing: Promise<void> | undefined;
  private subscription: ArrivalSubscription | undefined;
  private partitions: number | undefined;
  private lastArrivalAt: number | undefined;
  private lastBacklog = 0;
  private readonly age = new BacklogAge();
  /** A `connected` came since the current (or last) poll started: it needs a poll after it. */
  private connectedSincePollStart = false;

  constructor(
    private readonly opts: WatcherOptions,
    private readonly deps: WatcherDeps,
  ) {
    this.key = opts.key;
    this.topic = opts.topic ?? parseTopicName(opts.key.topic);
    this.schedule = new PollSchedule(deps.timings ?? DEFAULT_WATCH_TIMINGS, opts.fastPollAbove, deps.random);
  }

  /** Polls at once and starts listening (idempotent; a stopped watcher stays stopped). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    if (this.opts.partitioned === false) this.subscribeArrivals(0);
    this.poll();
  }

  /** Clears timers and closes the arrival subscription (idempotent). */
  stop(): Promise<void> {
    if (this.closing) return this.closing;
    this.stopped = true;
    this.clearTimer();
    const sub = this.subscription;
    this.subscription = undefined;
    this.closing = sub ? sub.close().catch(() => undefined) : Promise.resolve();
    return this.closing;
  }

  /** A read found the observation old: poll at the quick pace (not in backoff, not while in flight). */
  pollSoon(): void {
    if (!this.started || this.stopped || this.inFlight) return;
    this.pullIn(this.schedule.arrivalPollAt(this.deps.clock.now()));
  }

  status(): WatcherStatus {
    return {
      running: this.started && !this.stopped,
      pollInFlight: this.inFlight,
      nextPollAt: this.dueAt,
      consecutiveFailures: this.schedule.consecutiveFailures,
      arrivalsConnected: this.schedule.arrivalsReliable,
      partitions: this.partitions,
    };
  }

  private poll(): void {
    if (this.stopped || this.inFlight) return;
    this.clearTimer();
    this.inFlight = true;
    this.pollOnce().catch((err: unknown) => this.deps.onSinkError?.(err));
  }

  private async pollOnce(): Promise<void> {
    const startedAt = this.deps.clock.now();
    this.schedule.pollStarted(startedAt);
    this.connectedSincePollStart = false;
    let report: () => void;
    let delay: number;
    let inactive = false;
    try {
      const earliestTimeInBacklog = this.age.shouldAsk(startedAt, this.lastArrivalAt);
      const snap = await this.deps.stats.topicStats(this.topic, this.opts.partitioned, {
        earliestTimeInBacklog,
      });
      if (this.stopped) return;
      this.partitionsSeen(snap.partitions);
      const obs = toObservation(snap, this.key.subscription, startedAt, (sub) =>
        this.age.ageOf(sub, startedAt, earliestTimeInBacklog),
      );
      this.lastBacklog = obs.msgBacklog;
      delay = this.schedule.afterSuccess(obs.msgBacklog);
      report = () => this.deps.sink.observation(this.key, obs);
      inactive = obs.msgBacklog <= (this.opts.fastPollAbove ?? 0);
    } catch (err) {
      if (this.stopped) return;
      delay = this.schedule.afterError(err);
      this.failed(err, delay);
      const e = err instanceof Error ? err : new Error(String(err));
      report = () => this.deps.sink.error(this.key, e);
    } finally {
      this.inFlight = false;
    }
    const now = this.deps.clock.now();
    let due = now + delay;
    // An arrival while the request was out may not be in its numbers, and a tripwire armed while
    // it was out may have missed what came before it: look again soon.
    if (this.arrivedSince(startedAt) || this.connectedSincePollStart) {
      const at = this.schedule.arrivalPollAt(now);
      if (at !== undefined) due = Math.min(due, at);
    }
    this.scheduleAt(due);
    // Inactive: arm the tripwire again. Not when an arrival came while the request was out: those
    // numbers may predate it, and the poll that follows decides.
    if (inactive && !this.arrivedSince(startedAt)) this.subscription?.rearm();
    this.deliver(report);
  }

  private readonly onArrival = (e: ArrivalEvent): void => {
    if (this.stopped) return;
    this.lastArrivalAt = this.deps.clock.now();
    this.deliver(() => this.deps.sink.arrival(this.key, e));
    if (!this.inFlight) this.pullIn(this.schedule.arrivalPollAt(this.deps.clock.now()));
  };

  private readonly onStatus = (s: ArrivalStatus): void => {
    if (this.stopped) return;
    const was = this.schedule.arrivalsReliable;
    const connected = s.kind === "connected";
    this.schedule.setArrivalsConnected(connected);
    if (connected) this.connectedSincePollStart = true;
    this.deliver(() => this.deps.sink.arrivalsStatus?.(this.key, s));
    // In flight: pollOnce looks again after it. In backoff: the next try starts after this anyway.
    if (this.inFlight || this.schedule.inBackoff) return;
    const now = this.deps.clock.now();
    // Armed (first time, reconnect, re-arm): messages may have come while it was not.
    if (connected) this.pullIn(this.schedule.arrivalPollAt(now));
    // Lost the reader: the next poll within noArrivalsPollMs, even while active.
    if (!connected && was) this.pullIn(now + this.schedule.readerLostDelay(this.lastBacklog));
  };

  private arrivedSince(t: number): boolean {
    return this.lastArrivalAt !== undefined && this.lastArrivalAt > t;
  }

  private partitionsSeen(n: number): void {
    if (this.partitions === n) return;
    if (this.subscription) {
      const old = this.subscription;
      this.subscription = undefined;
      old.close().catch(() => undefined);
    }
    this.subscribeArrivals(n);
  }

  private subscribeArrivals(partitions: number): void {
    this.partitions = partitions;
    this.schedule.setArrivalsConnected(false);
    this.subscription = this.deps.arrivals.subscribe(this.topic, partitions, this.onArrival, this.onStatus);
  }

  /** Moves the next poll to `at` if that is sooner. */
  private pullIn(at: number | undefined): void {
    if (at === undefined || this.stopped || this.inFlight) return;
    if (this.dueAt === undefined || at < this.dueAt) this.scheduleAt(at);
  }

  private scheduleAt(at: number): void {
    if (this.stopped) return;
    this.clearTimer();
    this.dueAt = at;
    this.timer = this.deps.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.dueAt = undefined;
        this.poll();
      },
      Math.max(0, at - this.deps.clock.now()),
    );
  }

  private clearTimer(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = undefined;
  }

  private deliver(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.onSinkError?.(err);
    }
  }

  /**
   * A 429 is logged with the wait honoured. A topic or namespace that is not found (deleted) loses
   * its arrival subscription: a WebSocket reader on a missing topic would create it again. The next
   * good snapshot subscribes again (partitionsSeen).
   */
  private failed(err: unknown, delay: number): void {
    if (err instanceof RateLimitedError && err.retryAfterMs !== undefined) {
      const retryAfterMs = err.retryAfterMs;
      this.deps.logger?.warn(
        { key: keyId(this.key), delayMs: delay, retryAfterMs },
        "rate limited by the broker (429): the next stats poll waits for its Retry-After",
      );
    }
    if (!(err instanceof TopicNotFoundError || err instanceof NamespaceNotFoundError)) return;
    const sub = this.subscription;
    this.subscription = undefined;
    this.partitions = undefined;
    this.schedule.setArrivalsConnected(false);
    sub?.close().catch(() => undefined);
  }
}

/**
 * The observation of a subscription in a snapshot; throws SubscriptionNotFoundError when missing.
 * `ageOf` gives the backlog age (src/watch/backlog-age.ts); without it, the snapshot's own
 * publish time when it has one.
 */
export function toObservation(
  snap: TopicSnapshot,
  subscription: string,
  observedAt: number,
  ageOf: (sub: SubscriptionSnapshot) => number | undefined = (sub) => snapshotAge(sub, observedAt),
): Observation {
  const sub = subscriptionOf(snap, subscription);
  const age = ageOf(sub);
  return {
    msgBacklog: sub.msgBacklog,
    msgBacklogNoDelayed: sub.msgBacklogNoDelayed,
    unackedMessages: sub.unackedMessages,
    msgRateIn: snap.msgRateIn,
    msgRateOut: sub.msgRateOut,
    consumers: sub.consumers,
    partitions: snap.partitions,
    ...(sub.backlogSize === undefined ? {} : { msgBacklogBytes: sub.backlogSize }),
    ...(age === undefined ? {} : { backlogAgeSeconds: age }),
    observedAt,
  };
}

/** The age one snapshot tells by itself (one read, as `check` makes). */
function snapshotAge(sub: SubscriptionSnapshot, observedAt: number): number | undefined {
  if (sub.msgBacklog === 0) return 0;
  const e = sub.earliestMsgPublishTimeInBacklog;
  return e === undefined || e === 0 ? undefined : Math.max(0, observedAt - e) / 1000;
}
