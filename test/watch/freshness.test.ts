import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NetworkError, SubscriptionNotFoundError, TopicNotFoundError } from "../../src/pulsar/errors.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { NoFreshDataError } from "../../src/state/errors.js";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import { WatchEngine, type TriggerLike } from "../../src/watch/engine.js";
import { LocalWatchDriver } from "../../src/watch/local-driver.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeArrivalSource, FakeStatsReader, flush, topicSnapshot } from "../support/fake-pulsar.js";

// The freshness model end to end with default flags, on fake time: engine, local driver, watcher,
// fake Pulsar ports. Pulsar "killed" = every stats call refused and the arrival reader dropped.

const TOPIC = "persistent://t/ns/orders";
const K: WatchKey = { cluster: "c", topic: TOPIC, subscription: "s" };
const ANY: ActivationRule = { metric: "msgBacklog", threshold: 0 };
const TRIGGER: TriggerLike = {
  key: K,
  activation: ANY,
  topic: parseTopicName(TOPIC),
  isPartitionedTopic: undefined,
};
const SO = { namespace: "ns", name: "consumer" };

/** A watched key with an open stream, observed once; `random` is the backoff's jitter source. */
async function watched(backlog: number, random: () => number) {
  const clock = new FakeClock();
  const world = { up: true, backlog, error: (): Error => new NetworkError("connect ECONNREFUSED", "u") };
  const stats = new FakeStatsReader(clock, () => {
    if (!world.up) throw world.error();
    return topicSnapshot(TOPIC, { s: { msgBacklog: world.backlog } });
  });
  const arrivals = new FakeArrivalSource(clock);
  const engine = new WatchEngine({ clock });
  engine.attach(
    new LocalWatchDriver({ cluster: () => ({ stats, arrivals }), clock, sink: engine.ingest, random }),
  );
  engine.watchActivation(SO, TRIGGER, () => undefined);
  await flush();
  arrivals.current.connected();
  assert.equal(await engine.metricValue(SO, TRIGGER), backlog);
  /** What a read answers now: the value, or the UNAVAILABLE text. */
  const read = async (): Promise<number | string> => {
    try {
      return await engine.metricValue(SO, TRIGGER);
    } catch (err) {
      assert.ok(err instanceof NoFreshDataError, String(err));
      return err.message;
    }
  };
  /** Advances `ms` in 100 ms steps, reading after each; returns [time since start, answer] pairs. */
  const run = async (ms: number) => {
    const start = clock.now();
    const answers: [number, number | string][] = [];
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      await flush();
      answers.push([clock.now() - start, await read()]);
    }
    return answers;
  };
  return { clock, world, stats, arrivals, engine, run };
}

const firstError = (answers: [number, number | string][]) => answers.find(([, a]) => typeof a === "string");

void describe("freshness with default flags (fake time)", () => {
  for (const [what, backlog] of [
    ["idle key", 0],
    ["key under traffic", 7],
  ] as const) {
    void it(`Pulsar killed -> UNAVAILABLE within 20 s, naming the failing polls (${what})`, async () => {
      const { world, arrivals, engine, run } = await watched(backlog, () => 0.5);
      world.up = false;
      arrivals.current.disconnected(new Error("socket hang up"));
      const answers = await run(25_000);
      const first = firstError(answers);
      assert.ok(first, "UNAVAILABLE came");
      assert.ok(first[0] <= 20_000, `UNAVAILABLE after ${first[0]} ms`);
      assert.match(String(first[1]), /every stats poll has failed for \d+ ms \(error grace 15000 ms\)/);
      assert.match(String(first[1]), /NetworkError: connect ECONNREFUSED/);
      const before = answers.filter(([t]) => t < first[0]).map(([, a]) => a);
      assert.deepEqual(new Set(before), new Set([backlog]), "before it: only the number Pulsar had");
      assert.ok(
        answers.filter(([t]) => t >= first[0]).every(([, a]) => typeof a === "string"),
        "and it stays UNAVAILABLE",
      );
      await engine.close();
    });

    void it(`a 5 s broker restart is bridged without an error, even with the longest jitter (${what})`, async () => {
      const { world, arrivals, stats, engine, run } = await watched(backlog, () => 0.9999);
      world.up = false;
      arrivals.current.disconnected(new Error("socket hang up"));
      const outage = await run(5000);
      world.up = true;
      world.backlog = backlog + 1;
      const after = await run(20_000);
      assert.equal(firstError([...outage, ...after]), undefined, "never UNAVAILABLE");
      assert.ok(stats.calls.length >= 3, "it did poll through the outage");
      assert.equal(after.at(-1)?.[1], backlog + 1, "and sees the new number");
      await engine.close();
    });
  }

  void it("a deleted topic or subscription answers UNAVAILABLE at the next poll, naming it", async () => {
    const { world, engine, run } = await watched(3, () => 0.5);
    world.up = false;
    world.error = () => new SubscriptionNotFoundError("subscription s not found in the stats", "u");
    const answers = await run(31_000); // the idle poll
    const first = firstError(answers);
    assert.ok(first);
    assert.match(String(first[1]), /subscription s of topic persistent:\/\/t\/ns\/orders does not exist/);
    world.error = () => new TopicNotFoundError("HTTP 404: Topic not found", "u");
    const later = await run(40_000);
    assert.match(String(later.at(-1)?.[1]), /topic persistent:\/\/t\/ns\/orders does not exist/);
    await engine.close();
  });

  void it("a sidecar's error report (class name and message) is read like a local error", async () => {
    const { engine } = await watched(3, () => 0.5);
    engine.ingest.error(K, { name: "TopicNotFoundError", message: "HTTP 404: Topic not found (u)" });
    await assert.rejects(
      engine.metricValue(SO, TRIGGER),
      /topic persistent:\/\/t\/ns\/orders does not exist/,
    );
    await engine.close();
  });
});
