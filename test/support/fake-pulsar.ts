import type { Clock } from "../../src/lib/clock.js";
import type {
  ArrivalSource,
  ArrivalStatus,
  ArrivalSubscription,
  StatsReader,
} from "../../src/pulsar/ports.js";
import type { ArrivalEvent, SubscriptionSnapshot, TopicSnapshot } from "../../src/pulsar/snapshot.js";
import { parseTopicName, topicToString, type TopicName } from "../../src/pulsar/topic-name.js";

/** Lets queued promise callbacks run (no timers involved). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A subscription snapshot with defaults for what a test does not care about. */
export function subStats(p: Partial<SubscriptionSnapshot> = {}): SubscriptionSnapshot {
  return {
    msgBacklog: 0,
    msgBacklogNoDelayed: p.msgBacklog ?? 0,
    unackedMessages: 0,
    type: "Shared",
    msgRateOut: 0,
    consumers: 1,
    ...p,
  };
}

/** A topic snapshot: `subs` maps subscription name to its stats. */
export function topicSnapshot(
  topic: string | TopicName,
  subs: Record<string, Partial<SubscriptionSnapshot>>,
  p: { partitions?: number; msgRateIn?: number } = {},
): TopicSnapshot {
  return {
    topic: typeof topic === "string" ? parseTopicName(topic) : topic,
    partitions: p.partitions ?? 0,
    msgRateIn: p.msgRateIn ?? 0,
    msgInCounter: 0,
    subscriptions: new Map(Object.entries(subs).map(([name, s]) => [name, subStats(s)])),
  };
}

interface PendingCall {
  readonly topic: TopicName;
  readonly partitioned: boolean | undefined;
  readonly at: number;
  resolve(s: TopicSnapshot): void;
  reject(e: Error): void;
}

/**
 * StatsReader whose answers the test controls. With `respond` set, each call is answered at once
 * from it (return a snapshot or throw); otherwise calls wait in `pending` until `resolveNext` /
 * `rejectNext`. Counts calls and the most requests ever in flight at once.
 */
export class FakeStatsReader implements StatsReader {
  readonly calls: { topic: string; partitioned: boolean | undefined; at: number }[] = [];
  readonly pending: PendingCall[] = [];
  maxInFlight = 0;
  private inFlight = 0;

  constructor(
    private readonly clock: Clock,
    public respond?: (topic: TopicName, partitioned: boolean | undefined) => TopicSnapshot,
  ) {}

  topicStats(topic: TopicName, partitioned?: boolean): Promise<TopicSnapshot> {
    this.calls.push({ topic: topicToString(topic), partitioned, at: this.clock.now() });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const settle = <T>(p: Promise<T>) =>
      p.finally(() => {
        this.inFlight--;
      });
    if (this.respond) {
      const respond = this.respond;
      return settle(new Promise<TopicSnapshot>((resolve) => resolve(respond(topic, partitioned))));
    }
    return settle(
      new Promise<TopicSnapshot>((resolve, reject) => {
        this.pending.push({ topic, partitioned, at: this.clock.now(), resolve, reject });
      }),
    );
  }

  resolveNext(s: TopicSnapshot): void {
    this.take().resolve(s);
  }

  rejectNext(e: Error): void {
    this.take().reject(e);
  }

  private take(): PendingCall {
    const p = this.pending.shift();
    if (!p) throw new Error("FakeStatsReader: no pending call");
    return p;
  }
}

/** One subscription opened on a FakeArrivalSource; the test drives it. */
export class FakeArrivalSubscription implements ArrivalSubscription {
  closed = false;
  /** When (clock time) each `rearm()` was called; the test says `connected()` if it wants one. */
  readonly rearms: number[] = [];

  constructor(
    private readonly clock: Clock,
    readonly topic: TopicName,
    readonly partitions: number,
    private readonly onArrival: (e: ArrivalEvent) => void,
    private readonly onStatus: (s: ArrivalStatus) => void,
  ) {}

  /** Reports every partition (or the topic) connected. */
  connected(): void {
    for (let p = 0; p < Math.max(1, this.partitions); p++) {
      this.status({ kind: "connected", topic: this.topic, partition: this.partitions > 0 ? p : -1 });
    }
  }

  disconnected(error = new Error("connection reset"), retryInMs = 1000): void {
    this.status({ kind: "disconnected", error, retryInMs });
  }

  unavailable(error = new Error("websocket service off")): void {
    this.status({ kind: "unavailable", error });
  }

  /** A message arrives now. */
  arrive(partition = this.partitions > 0 ? 0 : -1): void {
    if (this.closed) return;
    const now = this.clock.now();
    this.onArrival({ topic: this.topic, partition, publishTime: now, receivedAt: now });
  }

  rearm(): void {
    if (!this.closed) this.rearms.push(this.clock.now());
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private status(s: ArrivalStatus): void {
    if (!this.closed) this.onStatus(s);
  }
}

/** ArrivalSource recording every subscription; `current` is the newest one. */
export class FakeArrivalSource implements ArrivalSource {
  readonly subscriptions: FakeArrivalSubscription[] = [];

  constructor(
    private readonly clock: Clock,
    /** Report connected right after subscribe (on the next microtask), like a healthy broker. */
    private readonly autoConnect = false,
  ) {}

  subscribe(
    topic: TopicName,
    partitions: number,
    onArrival: (e: ArrivalEvent) => void,
    onStatus: (s: ArrivalStatus) => void,
  ): FakeArrivalSubscription {
    const sub = new FakeArrivalSubscription(this.clock, topic, partitions, onArrival, onStatus);
    this.subscriptions.push(sub);
    if (this.autoConnect) queueMicrotask(() => sub.connected());
    return sub;
  }

  get current(): FakeArrivalSubscription {
    const s = this.subscriptions.at(-1);
    if (!s) throw new Error("FakeArrivalSource: nothing subscribed");
    return s;
  }

  get open(): FakeArrivalSubscription[] {
    return this.subscriptions.filter((s) => !s.closed);
  }
}
