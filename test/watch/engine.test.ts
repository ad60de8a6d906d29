import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StateReader } from "../../src/keda/state-reader.js";
import { TopicNotFoundError } from "../../src/pulsar/errors.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { CapacityError, NoFreshDataError } from "../../src/state/errors.js";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import type { WatchDriver, WatchHint } from "../../src/watch/driver.js";
import { WatchEngine, type TriggerLike, type WatchEngineOptions } from "../../src/watch/engine.js";
import { LocalWatchDriver } from "../../src/watch/local-driver.js";
import { TopicKindError } from "../../src/watch/topic-kind.js";
import { toGrpcFailure } from "../../src/keda/status.js";
import { status } from "@grpc/grpc-js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeArrivalSource, FakeStatsReader, flush, topicSnapshot } from "../support/fake-pulsar.js";
import { obs } from "../support/observation.js";

const TOPIC = "persistent://t/ns/orders";
const key = (sub: string): WatchKey => ({ cluster: "c", topic: TOPIC, subscription: sub });
const K = key("s");
const ANY: ActivationRule = { metric: "msgBacklog", threshold: 0 };
const OVER5: ActivationRule = { metric: "msgBacklog", threshold: 5 };
const trigger = (k: WatchKey = K, activation = ANY): TriggerLike => ({
  key: k,
  activation,
  topic: parseTopicName(k.topic),
  isPartitionedTopic: undefined,
});
const SO = { namespace: "ns", name: "consumer" };
const SO2 = { namespace: "ns", name: "other" };

class RecordingDriver implements WatchDriver {
  readonly log: string[] = [];
  readonly hints: WatchHint[] = [];
  start(k: WatchKey, hint: WatchHint): void {
    this.log.push(`start ${k.subscription}`);
    this.hints.push(hint);
  }
  stop(k: WatchKey): void {
    this.log.push(`stop ${k.subscription}`);
  }
}

function setup(opts: Partial<WatchEngineOptions> = {}) {
  const clock = new FakeClock();
  const driver = new RecordingDriver();
  const engine = new WatchEngine({ clock, ...opts });
  engine.attach(driver);
  const arrive = (k = K) => engine.ingest.arrival(k, { receivedAt: clock.now() });
  const observe = (backlog: number, k = K, at = clock.now()) =>
    engine.ingest.observation(k, obs(at, backlog));
  return { clock, driver, engine, arrive, observe };
}

/** Settles a promise into a value the test can inspect synchronously after a flush. */
function track<T>(p: Promise<T>): { state: "pending" | "resolved" | "rejected"; value?: T; error?: unknown } {
  const t: { state: "pending" | "resolved" | "rejected"; value?: T; error?: unknown } = { state: "pending" };
  p.then(
    (v) => Object.assign(t, { state: "resolved", value: v }),
    (e: unknown) => Object.assign(t, { state: "rejected", error: e }),
  );
  return t;
}

void describe("WatchEngine reads", () => {
  void it("implements keda's StateReader (checked by the compiler)", () => {
    const reader: StateReader = setup().engine;
    assert.equal(reader.ready(), true);
  });

  void it("the first read of a new key starts watching and resolves on the first observation", async () => {
    const { driver, engine, observe } = setup();
    const read = engine.metricValue(SO, trigger());
    assert.deepEqual(driver.log, ["start s"]);
    assert.equal(driver.hints[0]?.topic?.local, "orders");
    observe(7);
    assert.equal(await read, 7);
  });

  void it("the first read rejects with NoFreshDataError after firstReadWaitMs, naming the key and last error", async () => {
    const { clock, engine } = setup();
    const t = track(engine.metricValue(SO, trigger()));
    engine.ingest.error(K, new RangeError("503 from broker"));
    clock.advance(1999);
    await flush();
    assert.equal(t.state, "pending");
    clock.advance(1);
    await flush();
    assert.equal(t.state, "rejected");
    assert.ok(t.error instanceof NoFreshDataError);
    assert.match(t.error.message, /no stats observed yet for c\/persistent:\/\/t\/ns\/orders\/s/);
    assert.match(t.error.message, /RangeError: 503 from broker/);
    // The wait is per key: later reads answer at once.
    await assert.rejects(engine.isActive(SO, trigger()), NoFreshDataError);
  });

  void it("never serves a value without a fresh observation", async () => {
    const { clock, engine, observe } = setup();
    observe(3);
    const t = track(engine.metricValue(SO, trigger()));
    clock.advance(2000);
    await flush();
    assert.equal(t.state, "rejected", "the key was not in use: that observation was dropped");
    observe(3);
    assert.equal(await engine.metricValue(SO, trigger()), 3);
    clock.advance(90_000);
    assert.equal(await engine.metricValue(SO, trigger()), 3, "at the bound");
    clock.advance(1);
    await assert.rejects(engine.metricValue(SO, trigger()), /90001 ms old \(staleness bound 90000 ms\)/);
    await assert.rejects(engine.isActive(SO, trigger()), NoFreshDataError);
    observe(0);
    assert.equal(await engine.isActive(SO, trigger()), false);
  });

  void it("isActive is true at once after an arrival, even before any observation", async () => {
    const { engine, arrive } = setup();
    void engine.isActive(SO, trigger()).catch(() => undefined);
    arrive();
    assert.equal(await engine.isActive(SO, trigger()), true);
  });

  void it("isActive follows the rule of the trigger", async () => {
    const { engine, observe } = setup();
    void engine.metricValue(SO, trigger()).catch(() => undefined);
    observe(5);
    assert.equal(await engine.isActive(SO, trigger(K, ANY)), true);
    assert.equal(await engine.isActive(SO, trigger(K, OVER5)), false);
  });

  void it("capacity errors come out of every entry point", async () => {
    const { engine } = setup({ maxKeys: 1 });
    void engine.metricValue(SO, trigger()).catch(() => undefined);
    await assert.rejects(engine.metricValue(SO, trigger(key("b"))), CapacityError);
    await assert.rejects(engine.isActive(SO, trigger(key("b"))), CapacityError);
    assert.throws(() => engine.watchActivation(SO, trigger(key("b")), () => undefined), CapacityError);
  });

  void it("each capacity refusal is reported once, by the bound that was full", async () => {
    const refused: string[] = [];
    const { engine } = setup({ maxKeys: 1, maxScaledObjects: 1, onCapacityRefused: (w) => refused.push(w) });
    void engine.metricValue(SO, trigger()).catch(() => undefined);
    await assert.rejects(engine.metricValue(SO, trigger(key("b"))), CapacityError);
    await assert.rejects(engine.isActive(SO2, trigger()), CapacityError);
    assert.deepEqual(refused, ["keys", "scaled_objects"]);
  });
});

void describe("WatchEngine activation streams", () => {
  void it("calls onActive at once when active, then once per edge, for every subscriber of the rule", () => {
    const { clock, engine, arrive, observe } = setup();
    const calls: string[] = [];
    engine.watchActivation(SO, trigger(), () => calls.push("a1"));
    arrive();
    assert.deepEqual(calls, ["a1"]);
    engine.watchActivation(SO2, trigger(), () => calls.push("a2"));
    engine.watchActivation(SO2, trigger(K, OVER5), () => calls.push("b"));
    assert.deepEqual(calls, ["a1", "a2", "b"], "active now under both rules (arrival)");
    const at = (ms: number, f: () => void) => {
      clock.advance(ms);
      f();
    };
    at(1, () => arrive());
    at(1, () => observe(3));
    assert.deepEqual(calls, ["a1", "a2", "b"], "no repeated true");
    at(1, () => observe(0));
    at(1, () => arrive());
    assert.deepEqual(calls, ["a1", "a2", "b", "a1", "a2", "b"]);
    at(1, () => observe(0));
    at(1, () => observe(3));
    assert.deepEqual(calls.slice(6), ["a1", "a2"], "3 is over 0, not over 5");
    at(1, () => observe(6));
    assert.deepEqual(calls.slice(8), ["b"]);
  });

  void it("unsubscribe stops the calls and releases the rule", () => {
    const { engine, arrive, observe } = setup();
    const calls: string[] = [];
    observe(0);
    const off = engine.watchActivation(SO, trigger(), () => calls.push("x"));
    assert.deepEqual(calls, [], "inactive: nothing at open");
    assert.deepEqual(engine.keyReport(K)?.rules, [{ rule: ANY, refs: 1, active: undefined }]);
    off();
    off();
    assert.deepEqual(engine.keyReport(K)?.rules, []);
    arrive();
    assert.deepEqual(calls, []);
  });

  void it("a listener that throws does not stop the others", () => {
    const { engine, arrive } = setup();
    const calls: string[] = [];
    engine.watchActivation(SO, trigger(), () => {
      throw new Error("bad listener");
    });
    engine.watchActivation(SO2, trigger(), () => calls.push("ok"));
    arrive();
    assert.deepEqual(calls, ["ok"]);
  });
});

void describe("WatchEngine keys", () => {
  void it("shares a key between ScaledObjects and drops it when idle, unless a stream is open", async () => {
    const { clock, driver, engine, observe } = setup();
    observe(0);
    const r1 = engine.metricValue(SO, trigger());
    const r2 = engine.metricValue(SO2, trigger());
    observe(1);
    assert.deepEqual([await r1, await r2], [1, 1]);
    const off = engine.watchActivation(SO, trigger(key("streamed")), () => undefined);
    assert.deepEqual(driver.log, ["start s", "start streamed"]);
    engine.start();
    clock.advance(600_000 + 30_000);
    assert.deepEqual(driver.log, ["start s", "start streamed", "stop s"]);
    assert.deepEqual(
      engine.keys().map((k) => k.key.subscription),
      ["streamed"],
    );
    off();
    clock.advance(630_000);
    assert.deepEqual(driver.log.at(-1), "stop streamed");
    await engine.close();
    assert.equal(clock.pending(), 0);
  });

  void it("a removed key wakes its waiting readers", async () => {
    const { clock, engine } = setup({ keyIdleTtlMs: 1000, firstReadWaitMs: 2000 });
    const t = track(engine.metricValue(SO, trigger()));
    clock.advance(1000);
    engine.sweep();
    await flush();
    assert.equal(t.state, "rejected");
    assert.match(String(t.error), /not watched/);
  });

  void it("ready: no keys, then a key without data, then fresh, then stale", () => {
    const { clock, engine, observe } = setup();
    assert.equal(engine.ready(), true);
    engine.watchActivation(SO, trigger(), () => undefined);
    assert.equal(engine.ready(), false);
    observe(0);
    assert.equal(engine.ready(), true);
    clock.advance(90_001);
    assert.equal(engine.ready(), false);
  });

  void it("ready: one broken key does not make the whole hub unready; all stale does", () => {
    const { clock, engine, observe } = setup();
    const K2 = key("broken");
    engine.watchActivation(SO, trigger(), () => undefined);
    engine.watchActivation(SO2, trigger(K2), () => undefined);
    observe(0);
    engine.ingest.error(K2, new Error("Subscription broken not found"));
    assert.equal(engine.ready(), true, "K fresh, K2 never observed");
    clock.advance(90_001);
    assert.equal(engine.ready(), false, "no key fresh");
    observe(0);
    assert.equal(engine.ready(), true);
  });

  void it("reports keys for /metrics: age, last error, rules, users", () => {
    const { clock, engine, observe } = setup();
    engine.watchActivation(SO, trigger(), () => undefined);
    observe(2);
    clock.advance(1500);
    engine.ingest.error(K, new Error("timeout"));
    const r = engine.keyReport(K);
    assert.equal(r?.observationAgeMs, 1500);
    assert.equal(r?.fresh, true);
    assert.equal(r?.lastError?.message, "timeout");
    assert.equal(r?.scaledObjects, 1);
    assert.equal(r?.streams, 1);
    assert.deepEqual(r?.rules, [{ rule: ANY, refs: 1, active: true }]);
  });
});

void describe("WatchEngine with LocalWatchDriver", () => {
  void it("a GetMetrics that finds the observation older than refreshAfterMs polls at once", async () => {
    const clock = new FakeClock();
    const world = { backlog: 0 };
    const stats = new FakeStatsReader(clock, () =>
      topicSnapshot(TOPIC, { s: { msgBacklog: world.backlog } }),
    );
    const arrivals = new FakeArrivalSource(clock);
    const engine = new WatchEngine({ clock, refreshAfterMs: 10_000 });
    const local = new LocalWatchDriver({ cluster: () => ({ stats, arrivals }), clock, sink: engine.ingest });
    engine.attach(local);
    assert.equal(await engine.metricValue(SO, trigger()), 0);
    arrivals.current.connected();
    clock.advance(1000);
    await flush();
    assert.equal(stats.calls.length, 2, "the poll after the reader was armed");
    world.backlog = 7;
    clock.advance(10_000);
    assert.equal(await engine.metricValue(SO, trigger()), 0, "10 s old: served, no refresh yet");
    clock.advance(1);
    assert.equal(await engine.metricValue(SO, trigger()), 0, "served, and a poll asked for");
    clock.advance(50);
    await flush();
    assert.equal(stats.calls.length, 3, "polled after the debounce, not at the idle interval (30 s)");
    assert.equal(await engine.metricValue(SO, trigger()), 7);
    await engine.close();
  });

  void it("watches Pulsar through the ports, pushes an edge on arrival, stops on close", async () => {
    const clock = new FakeClock();
    const world = { backlog: 0 };
    const stats = new FakeStatsReader(clock, () =>
      topicSnapshot(TOPIC, { s: { msgBacklog: world.backlog } }),
    );
    const arrivals = new FakeArrivalSource(clock);
    const engine = new WatchEngine({ clock });
    const local = new LocalWatchDriver({ cluster: () => ({ stats, arrivals }), clock, sink: engine.ingest });
    engine.attach(local);
    assert.equal(await engine.metricValue(SO, trigger()), 0);
    assert.equal(stats.calls.length, 1);
    const pushed: number[] = [];
    engine.watchActivation(SO, trigger(), () => pushed.push(clock.now()));
    arrivals.current.connected();
    clock.advance(2000);
    await flush();
    assert.equal(stats.calls.length, 2, "poll after the reader was armed");
    arrivals.current.arrive();
    assert.deepEqual(pushed, [clock.now()], "pushed at the arrival, before any poll");
    world.backlog = 1;
    clock.advance(50);
    await flush();
    assert.equal(stats.calls.length, 3, "poll after the arrival");
    assert.equal(await engine.metricValue(SO, trigger()), 1);
    assert.equal(local.statuses().get("c/persistent://t/ns/orders/s")?.nextPollAt, clock.now() + 15000);
    await engine.close();
    assert.equal(arrivals.current.closed, true);
    assert.equal(clock.pending(), 0);
  });

  void it("an unknown cluster becomes the key's last error", async () => {
    const clock = new FakeClock();
    const engine = new WatchEngine({ clock, firstReadWaitMs: 0 });
    engine.attach(
      new LocalWatchDriver({
        cluster: (name) => {
          throw new Error(`cluster ${name} is not configured`);
        },
        clock,
        sink: engine.ingest,
      }),
    );
    await assert.rejects(engine.metricValue(SO, trigger()), /Error: cluster c is not configured/);
  });
});

void describe("WatchEngine: a trigger whose isPartitionedTopic contradicts Pulsar", () => {
  void it("fails that trigger alone with TopicKindError (INVALID_ARGUMENT), naming what Pulsar says", async () => {
    const { engine, observe } = setup();
    const wrong: TriggerLike = { ...trigger(), isPartitionedTopic: true };
    const right: TriggerLike = { ...trigger(), isPartitionedTopic: false };
    const other = { namespace: "ns", name: "right" };
    const reading = engine.metricValue(SO, wrong);
    observe(4); // partitions 0: not partitioned
    await assert.rejects(
      reading,
      (e: unknown) =>
        e instanceof TopicKindError &&
        /isPartitionedTopic = "true": Pulsar says topic persistent:\/\/t\/ns\/orders is not partitioned/.test(
          e.message,
        ),
    );
    await assert.rejects(engine.isActive(SO, wrong), TopicKindError);
    assert.equal(await engine.metricValue(other, right), 4, "the right trigger on the same key is served");
    assert.equal(await engine.metricValue(other, trigger()), 4, "and so is one that leaves it out");
    assert.equal(toGrpcFailure(new TopicKindError("t", false, 3)).code, status.INVALID_ARGUMENT);
    assert.match(
      new TopicKindError("t", false, 3).message,
      /is partitioned \(3 partitions\); set it to "true"/,
    );
  });
});

void describe("WatchEngine with LocalWatchDriver: a wrong isPartitionedTopic first", () => {
  void it("the key is watched as Pulsar says; only the wrong trigger fails", async () => {
    const clock = new FakeClock();
    const stats = new FakeStatsReader(clock, (_t, partitioned) => {
      if (partitioned === true) throw new TopicNotFoundError("HTTP 404: Partitioned Topic not found", "u");
      return topicSnapshot(TOPIC, { s: { msgBacklog: 6 } });
    });
    const arrivals = new FakeArrivalSource(clock);
    const engine = new WatchEngine({ clock });
    engine.attach(new LocalWatchDriver({ cluster: () => ({ stats, arrivals }), clock, sink: engine.ingest }));
    const wrong: TriggerLike = { ...trigger(), isPartitionedTopic: true };
    await assert.rejects(engine.metricValue(SO, wrong), TopicKindError);
    assert.equal(await engine.metricValue(SO2, trigger()), 6);
    assert.equal(await engine.metricValue(SO2, { ...trigger(), isPartitionedTopic: false }), 6);
    await engine.close();
  });
});
