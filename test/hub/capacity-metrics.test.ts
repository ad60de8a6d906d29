import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { capacityRefusedCounter } from "../../src/hub/capacity-metrics.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { CapacityError } from "../../src/state/errors.js";
import type { WatchKey } from "../../src/state/key.js";
import { WatchEngine } from "../../src/watch/engine.js";
import { FakeClock } from "../support/fake-clock.js";

const key = (sub: string): WatchKey => ({ cluster: "c", topic: "persistent://t/ns/x", subscription: sub });
const trigger = (k: WatchKey) => ({
  key: k,
  activation: { metric: "msgBacklog" as const, threshold: 0 },
  topic: parseTopicName(k.topic),
  isPartitionedTopic: undefined,
});

async function series(registry: Registry): Promise<Record<string, number>> {
  const m = await registry.getSingleMetric("pps_capacity_refused_total")?.get();
  return Object.fromEntries((m?.values ?? []).map((v) => [String(v.labels["what"]), v.value]));
}

void test("pps_capacity_refused_total counts the engine's refusals by bound, both series from 0", async () => {
  const registry = new Registry();
  const engine = new WatchEngine({
    clock: new FakeClock(),
    maxKeys: 1,
    maxScaledObjects: 2,
    onCapacityRefused: capacityRefusedCounter(registry),
  });
  engine.attach({ start: () => undefined, stop: () => undefined });
  assert.deepEqual(await series(registry), { keys: 0, scaled_objects: 0 });
  const so = (name: string) => ({ namespace: "ns", name });
  void engine.metricValue(so("a"), trigger(key("k"))).catch(() => undefined);
  void engine.metricValue(so("b"), trigger(key("k"))).catch(() => undefined);
  for (let i = 0; i < 3; i++) {
    await assert.rejects(engine.metricValue(so("a"), trigger(key(`other-${i}`))), CapacityError);
  }
  await assert.rejects(engine.isActive(so("c"), trigger(key("k"))), CapacityError);
  assert.deepEqual(await series(registry), { keys: 3, scaled_objects: 1 });
  await engine.close();
});
