import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Writable } from "node:stream";
import { createLogger } from "../../src/lib/logger.js";
import {
  RateLimitedError,
  ServerError,
  SubscriptionNotFoundError,
  TopicNotFoundError,
} from "../../src/pulsar/errors.js";
import type { WatchKey } from "../../src/state/key.js";
import { Watcher, type WatcherOptions } from "../../src/watch/watcher.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeArrivalSource, FakeStatsReader, flush, topicSnapshot } from "../support/fake-pulsar.js";
import { RecordingSink } from "../support/recording-sink.js";

const TOPIC = "persistent://t/ns/orders";
const KEY: WatchKey = { cluster: "c", topic: TOPIC, subscription: "s" };

function setup(opts: Partial<WatcherOptions> = {}, random = () => 0) {
  const clock = new FakeClock();
  const t0 = clock.now();
  const world = { backlog: 0, partitions: 0, fail: undefined as Error | undefined, sub: "s" };
  const stats = new FakeStatsReader(clock, () => {
    if (world.fail) throw world.fail;
    return topicSnapshot(
      TOPIC,
      { [world.sub]: { msgBacklog: world.backlog } },
      { partitions: world.partitions },
    );
  });
  const arrivals = new FakeArrivalSource(clock);
  const sink = new RecordingSink();
  const watcher = new Watcher({ key: KEY, ...opts }, { stats, arrivals, clock, sink, random });
  /** Moves time by `ms` and lets the answers of polls that fell due come in. */
  const step = async (ms: number) => {
    clock.advance(ms);
    await flush();
  };
  /** Times of the stats calls, relative to t0. */
  const callTimes = () => stats.calls.map((c) => c.at - t0);
  const next = () => {
    const at = watcher.status().nextPollAt;
    return at === undefined ? undefined : at - clock.now();
  };
  return { clock, t0, world, stats, arrivals, sink, watcher, step, callTimes, next };
}

/**
 * Started, first poll answered, arrival reader connected and the poll after it answered (at
 * t0 + fastPollMs: an arrival or connected never polls sooner after a poll started).
 */
async function running(opts: Partial<WatcherOptions> = {}, random?: () => number) {
  const s = setup(opts, random);
  s.watcher.start();
  await flush();
  s.arrivals.current.connected();
  await s.step(1000);
  assert.deepEqual(s.callTimes(), [0, 1000]);
  return s;
}

void describe("Watcher schedule", () => {
  void it("polls at once, at the no-arrivals interval until the reader connects, once after it, then slowly", async () => {
    const { watcher, arrivals, step, callTimes, next, sink } = setup();
    watcher.start();
    await flush();
    assert.deepEqual(callTimes(), [0]);
    assert.equal(next(), 5000, "reader was not connected when the first answer came");
    arrivals.current.connected();
    assert.equal(next(), 1000, "a poll after the reader is armed, at the fast rate at most");
    await step(1000);
    assert.equal(next(), 30000);
    await step(30000);
    assert.deepEqual(callTimes(), [0, 1000, 31000]);
    assert.equal(sink.observations.length, 3);
  });

  void it("polls at KEDA's read rate while there is a backlog, sooner as it drains, slowly once drained", async () => {
    const { world, step, next, callTimes } = await running();
    world.backlog = 40;
    await step(30000);
    assert.equal(next(), 15000, "active: KEDA reads no faster than every 15 s");
    world.backlog = 40;
    await step(15000);
    assert.equal(next(), 15000, "no drain: the same rate");
    world.backlog = 20;
    await step(15000);
    assert.equal(next(), 15000, "draining 20 per 15 s: 20 to go is 15 s away");
    world.backlog = 2;
    await step(15000);
    assert.equal(next(), 1667, "draining 18 per 15 s: 2 to go is 1.67 s away");
    world.backlog = 0;
    await step(1667);
    assert.equal(next(), 30000);
    assert.deepEqual(callTimes(), [0, 1000, 31000, 46000, 61000, 76000, 77667]);
  });

  void it("an arrival pulls in one poll after the debounce; more arrivals share it", async () => {
    const { arrivals, step, next, callTimes, sink } = await running(); // idle at the slow interval
    await step(10_000);
    arrivals.current.arrive();
    assert.equal(next(), 50);
    await step(10);
    arrivals.current.arrive();
    await step(10);
    arrivals.current.arrive();
    assert.equal(next(), 30);
    await step(30);
    assert.deepEqual(callTimes(), [0, 1000, 11050]);
    assert.equal(sink.arrivals.length, 3);
    // A busy topic is polled at the fast rate, not once per message.
    await step(50);
    arrivals.current.arrive();
    assert.equal(next(), 950);
  });

  void it("single-flight: one request at a time; an arrival during it asks for another poll after it", async () => {
    const s = setup();
    s.stats.respond = undefined;
    s.watcher.start();
    assert.equal(s.arrivals.subscriptions.length, 0, "nothing subscribed before the first snapshot");
    s.clock.advance(200);
    s.watcher.start();
    assert.equal(s.stats.pending.length, 1);
    s.stats.resolveNext(topicSnapshot(TOPIC, { s: { msgBacklog: 0 } }));
    await flush();
    s.arrivals.current.connected();
    await s.step(5000);
    s.clock.advance(20);
    s.arrivals.current.arrive();
    await s.step(100_000);
    assert.equal(s.stats.pending.length, 1, "no second request while one is out");
    assert.equal(s.stats.maxInFlight, 1);
    s.stats.resolveNext(topicSnapshot(TOPIC, { s: { msgBacklog: 0 } }));
    await flush();
    assert.equal(s.next(), 50, "the arrival may not be in the numbers");
    assert.equal(s.watcher.status().pollInFlight, false);
  });

  void it("observedAt is when the request was sent, not when the answer came", async () => {
    const s = setup();
    s.stats.respond = undefined;
    s.watcher.start();
    s.clock.advance(700);
    s.stats.resolveNext(topicSnapshot(TOPIC, { s: { msgBacklog: 2 } }));
    await flush();
    assert.equal(s.sink.observations[0]?.observedAt, s.t0);
    assert.equal(s.sink.observations[0]?.msgBacklog, 2);
  });
});

void describe("Watcher errors", () => {
  void it("backs off exponentially, then goes back to the normal schedule", async () => {
    const { world, step, next, sink } = await running({}, () => 0.9999999);
    world.fail = new ServerError("503", "u", 503);
    await step(30000);
    const delays = [next()];
    for (let i = 0; i < 5; i++) {
      await step(next() ?? 0);
      delays.push(next());
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000]);
    assert.equal(sink.errors.length, 6);
    world.fail = undefined;
    await step(30000);
    assert.equal(next(), 30000);
  });

  void it("honours Retry-After and lets no arrival cut it short", async () => {
    const { world, step, next, arrivals, callTimes } = await running();
    world.fail = new RateLimitedError("429", "u", 12_000);
    await step(30000);
    assert.equal(next(), 12_000);
    arrivals.current.arrive();
    assert.equal(next(), 12_000);
    world.fail = undefined;
    await step(12_000);
    assert.deepEqual(callTimes(), [0, 1000, 31000, 43000]);
  });

  void it("a missing subscription is an error, never a 0", async () => {
    const { world, step, sink } = await running();
    world.sub = "someone-else";
    await step(30000);
    assert.equal(sink.observations.length, 2, "only the polls before observed");
    assert.ok(sink.errors[0] instanceof SubscriptionNotFoundError);
  });
});

void describe("Watcher arrivals", () => {
  void it("falls back to the no-arrivals interval when the reader is unavailable", async () => {
    const { arrivals, step, next, sink } = await running();
    assert.equal(next(), 30000);
    await step(1000);
    arrivals.current.unavailable();
    assert.equal(next(), 5000);
    await step(5000);
    assert.equal(next(), 5000);
    assert.deepEqual(sink.statuses, ["connected", "unavailable"]);
  });

  void it("a reconnected reader triggers a poll (messages may have come meanwhile)", async () => {
    const { arrivals, step, next } = await running();
    await step(5000);
    arrivals.current.disconnected();
    assert.equal(next(), 5000);
    await step(2000);
    arrivals.current.connected();
    assert.equal(next(), 50);
  });

  void it("a lost reader brings the next poll of an active key within noArrivalsPollMs", async () => {
    const { world, arrivals, step, next } = await running();
    world.backlog = 9;
    await step(30000);
    assert.equal(next(), 15000);
    await step(1000);
    arrivals.current.disconnected();
    assert.equal(next(), 5000, "Pulsar may be going away: the error grace must start soon");
  });

  void it("subscribes with the partition count of the first snapshot and again when it changes", async () => {
    const { world, arrivals, step } = await running();
    assert.equal(arrivals.subscriptions.length, 1);
    assert.equal(arrivals.current.partitions, 0);
    world.partitions = 3;
    await step(30000);
    assert.equal(arrivals.subscriptions.length, 2);
    assert.equal(arrivals.subscriptions[0]?.closed, true);
    assert.equal(arrivals.current.partitions, 3);
    await step(5000);
    assert.equal(arrivals.subscriptions.length, 2);
  });

  void it("a trigger saying not partitioned subscribes at once and reads /stats", () => {
    const { watcher, arrivals, stats } = setup({ partitioned: false });
    watcher.start();
    assert.equal(arrivals.subscriptions.length, 1);
    assert.equal(stats.calls[0]?.partitioned, false);
  });
});

void describe("Watcher tripwire", () => {
  void it("a connected while a poll is out asks for another poll after it", async () => {
    const s = setup();
    s.stats.respond = undefined;
    s.watcher.start();
    s.stats.resolveNext(topicSnapshot(TOPIC, { s: { msgBacklog: 0 } }));
    await flush();
    await s.step(5000);
    assert.equal(s.stats.pending.length, 1, "the no-arrivals poll is out");
    s.arrivals.current.connected();
    s.clock.advance(200);
    s.stats.resolveNext(topicSnapshot(TOPIC, { s: { msgBacklog: 0 } }));
    await flush();
    assert.equal(s.next(), 800, "armed while the request was out: it may have missed a message");
  });

  void it("every connected polls once: per partition, after a re-arm, partitions sharing one poll", async () => {
    const { world, arrivals, step, next, callTimes } = await running();
    world.partitions = 2;
    await step(30000);
    assert.equal(arrivals.current.partitions, 2);
    await step(3000);
    arrivals.current.connected(); // both partitions armed: one poll for both
    assert.equal(next(), 50);
    await step(50);
    assert.deepEqual(callTimes(), [0, 1000, 31000, 34050]);
    await step(10_000);
    arrivals.current.connected(); // one partition re-armed
    assert.equal(next(), 50);
  });

  void it("re-arms after an observation of an inactive key, never while it is active", async () => {
    const { world, arrivals, step, clock } = await running();
    const sub = arrivals.current;
    assert.equal(sub.rearms.length, 2, "both polls saw no backlog");
    arrivals.current.arrive();
    world.backlog = 3;
    await step(1000);
    await step(15000);
    await step(15000);
    assert.equal(sub.rearms.length, 2, "active: the tripwire stays spent, stats follow the backlog");
    world.backlog = 0;
    await step(15000);
    assert.deepEqual(sub.rearms.slice(2), [clock.now()], "inactive again: armed again");
  });

  void it("inactive means at or below fastPollAbove (the smallest activation threshold)", async () => {
    const { world, arrivals, step } = await running({ fastPollAbove: 5 });
    const before = arrivals.current.rearms.length;
    world.backlog = 5;
    await step(30000);
    assert.equal(arrivals.current.rearms.length, before + 1, "5 is not above the threshold");
    world.backlog = 6;
    await step(30000);
    assert.equal(arrivals.current.rearms.length, before + 1, "6 is");
  });

  void it("no re-arm from numbers that may predate an arrival", async () => {
    const s = await running();
    s.stats.respond = undefined;
    await s.step(30000);
    assert.equal(s.stats.pending.length, 1);
    const before = s.arrivals.current.rearms.length;
    s.clock.advance(10);
    s.arrivals.current.arrive();
    s.stats.resolveNext(topicSnapshot(TOPIC, { s: { msgBacklog: 0 } }));
    await flush();
    assert.equal(s.arrivals.current.rearms.length, before, "the answer may not count the arrival");
    assert.equal(s.next(), 990, "the poll after it decides");
  });
});

void describe("Watcher lifecycle", () => {
  void it("stop closes the reader, clears timers, drops a late answer; start/stop are idempotent", async () => {
    const s = await running();
    s.stats.respond = undefined;
    await s.step(30000);
    assert.equal(s.stats.pending.length, 1);
    const stopping = s.watcher.stop();
    assert.equal(s.watcher.stop(), stopping);
    await stopping;
    assert.equal(s.arrivals.current.closed, true);
    assert.equal(s.clock.pending(), 0);
    s.stats.resolveNext(topicSnapshot(TOPIC, { s: { msgBacklog: 9 } }));
    await flush();
    assert.equal(s.sink.observations.length, 2);
    s.watcher.start();
    assert.equal(s.stats.calls.length, 3);
    assert.equal(s.watcher.status().running, false);
  });
});

void describe("Watcher and the broker's Retry-After", () => {
  void it("logs each honoured Retry-After at warn with the key and the delay", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger(
      "info",
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
          done();
        },
      }),
    );
    const clock = new FakeClock();
    const stats = new FakeStatsReader(clock, () => {
      throw new RateLimitedError("HTTP 429, rate limited", "u", 12_000);
    });
    const arrivals = new FakeArrivalSource(clock);
    const watcher = new Watcher({ key: KEY }, { stats, arrivals, clock, sink: new RecordingSink(), logger });
    watcher.start();
    await flush();
    assert.deepEqual(
      lines.map((l) => [l["level"], l["key"], l["delayMs"], l["retryAfterMs"]]),
      [[40, "c/persistent://t/ns/orders/s", 12_000, 12_000]],
    );
    assert.match(String(lines[0]?.["msg"]), /rate limited by the broker/);
    await watcher.stop();
  });
});

void describe("Watcher on a topic that is not found", () => {
  void it("a 404 for the topic closes the arrival subscription and polls slowly; a good answer subscribes again", async () => {
    const { world, arrivals, step, next, stats } = await running();
    assert.equal(arrivals.open.length, 1);
    world.fail = new TopicNotFoundError("HTTP 404: Topic persistent://t/ns/orders not found", "u");
    await step(30_000);
    assert.equal(arrivals.open.length, 0, "no reader on a missing topic (a reader would create it)");
    assert.equal(next(), 30_000, "asked again at the idle rate, not the 1 s backoff");
    await step(30_000);
    assert.equal(arrivals.subscriptions.length, 1, "still not subscribed while it is missing");
    world.fail = undefined;
    const calls = stats.calls.length;
    await step(30_000);
    assert.equal(stats.calls.length, calls + 1);
    assert.equal(arrivals.open.length, 1, "the topic is back: subscribed again");
    assert.equal(arrivals.subscriptions.length, 2);
  });
});
