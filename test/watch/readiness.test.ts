import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger } from "../../src/lib/logger.js";
import { ServerError, SubscriptionNotFoundError } from "../../src/pulsar/errors.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import type { WatchKey } from "../../src/state/key.js";
import { WatchEngine, type TriggerLike } from "../../src/watch/engine.js";
import { FakeClock } from "../support/fake-clock.js";
import { obs } from "../support/observation.js";

const TOPIC = "persistent://t/ns/orders";
const key = (sub: string): WatchKey => ({ cluster: "c", topic: TOPIC, subscription: sub });
const trigger = (k: WatchKey): TriggerLike => ({
  key: k,
  activation: { metric: "msgBacklog", threshold: 0 },
  topic: parseTopicName(k.topic),
  isPartitionedTopic: undefined,
});
const SO = { namespace: "ns", name: "consumer" };
const SO2 = { namespace: "ns", name: "other" };

function setup() {
  const clock = new FakeClock();
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
  const engine = new WatchEngine({ clock, logger });
  engine.attach({ start: () => undefined, stop: () => undefined });
  const warns = () => lines.filter((l) => l["level"] === 40 && l["msg"] === "key cannot be served");
  return { clock, engine, lines, warns };
}

void describe("readiness: serving, with Pulsar reachable for at least one key", () => {
  void it("a hub whose only ScaledObject names a wrong subscription stays Ready; reads fail informatively", async () => {
    const { clock, engine, warns } = setup();
    const wrong = key("typo");
    engine.watchActivation(SO, trigger(wrong), () => undefined);
    engine.ingest.error(wrong, new SubscriptionNotFoundError("Subscription typo not found", "u"));
    assert.equal(engine.ready(), true, "Pulsar answered (404): the cluster is reachable");
    const read = engine.metricValue(SO, trigger(wrong));
    clock.advance(2000);
    await assert.rejects(read, /subscription typo of topic .* does not exist/);
    assert.equal(warns().length, 1);
    assert.equal(warns()[0]?.["key"], `c/${TOPIC}/typo`);
    assert.match(String(warns()[0]?.["cause"]), /does not exist/);
    assert.match(String(warns()[0]?.["keda"]), /UNAVAILABLE/);
  });

  void it("not Ready once every key's polls have failed past the error grace (fresh or not)", () => {
    const { clock, engine } = setup();
    const k = key("s");
    engine.watchActivation(SO, trigger(k), () => undefined);
    engine.ingest.observation(k, obs(clock.now(), 3));
    assert.equal(engine.ready(), true);
    engine.ingest.error(k, new ServerError("HTTP 503", "u", 503));
    clock.advance(14_999);
    assert.equal(engine.ready(), true, "within the 15 s grace the last value is served");
    clock.advance(1);
    assert.equal(engine.ready(), false, "the observation is 15 s old, far below 90 s, but Pulsar is gone");
    engine.ingest.observation(k, obs(clock.now(), 3));
    assert.equal(engine.ready(), true, "one good poll restores it");
  });

  void it("one reachable key keeps the hub Ready while another fails", () => {
    const { clock, engine } = setup();
    const good = key("s");
    const bad = key("t");
    engine.watchActivation(SO, trigger(good), () => undefined);
    engine.watchActivation(SO2, trigger(bad), () => undefined);
    engine.ingest.observation(bad, obs(clock.now(), 0));
    engine.ingest.error(bad, new ServerError("HTTP 503", "u", 503));
    engine.ingest.observation(good, obs(clock.now(), 0));
    clock.advance(20_000);
    engine.ingest.observation(good, obs(clock.now(), 0));
    assert.equal(engine.ready(), true);
  });

  void it("logs a key at warn once per state change, and at info when it serves again", () => {
    const { clock, engine, lines, warns } = setup();
    const k = key("s");
    engine.watchActivation(SO, trigger(k), () => undefined);
    engine.ready();
    assert.equal(warns().length, 0, "a new key waiting for its first poll is no problem");
    engine.ingest.observation(k, obs(clock.now(), 0));
    engine.ingest.error(k, new ServerError("HTTP 503", "u", 503));
    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      engine.ingest.error(k, new ServerError("HTTP 503", "u", 503));
      engine.ready();
    }
    assert.equal(warns().length, 1, "failing past the grace, logged once");
    assert.match(String(warns()[0]?.["cause"]), /every stats poll has failed for \d+ ms/);
    clock.advance(80_000);
    engine.ready();
    assert.equal(warns().length, 1, "still failing the same way: nothing more");
    engine.ingest.observation(k, obs(clock.now(), 0));
    engine.ready();
    assert.equal(lines.filter((l) => l["msg"] === "key serves again: KEDA gets its metric").length, 1);
    clock.advance(90_001);
    engine.ready();
    assert.equal(warns().length, 2, "stale: a new state, logged");
    assert.match(String(warns()[1]?.["cause"]), /staleness bound/);
  });
});
