import assert from "node:assert/strict";
import { test } from "node:test";
import { MetadataError } from "../../src/keda/errors.js";
import { TriggerCache } from "../../src/keda/trigger-cache.js";
import { CLUSTERS, META } from "./harness.js";

void test("trigger cache: same metadata (whatever the ignored keys) gives the same parsed spec object", () => {
  const cache = new TriggerCache(CLUSTERS);
  const a = cache.get({ ...META });
  const b = cache.get({ ...META, scalerAddress: "hub:9090", enableTLS: "false" });
  const c = cache.get(Object.fromEntries(Object.entries(META).reverse()));
  assert.equal(a, b);
  assert.equal(a, c);
  assert.equal(cache.size, 1);
  assert.notEqual(cache.get({ ...META, subscription: "other" }), a);
});

void test("trigger cache: bad metadata is cached as its error", () => {
  const cache = new TriggerCache(CLUSTERS, 2);
  const bad = { ...META, topic: "nope" };
  let first: unknown;
  let second: unknown;
  try {
    cache.get(bad);
  } catch (err) {
    first = err;
  }
  try {
    cache.get(bad);
  } catch (err) {
    second = err;
  }
  assert.ok(first instanceof MetadataError);
  assert.equal(first, second);
});

void test("trigger cache: bounded", () => {
  const cache = new TriggerCache(CLUSTERS, 3);
  for (let i = 0; i < 10; i++) cache.get({ ...META, subscription: `s${i}` });
  assert.equal(cache.size, 3);
});

void test("trigger cache: the FromEnv keys are part of the identity", () => {
  const cache = new TriggerCache(CLUSTERS);
  const { topic: _t, subscription: _s, adminURL: _a, ...rest } = META;
  const base = { ...rest, topicFromEnv: "persistent://public/default/orders", subscriptionFromEnv: "a" };
  const a = cache.get(base);
  const b = cache.get({ ...base, subscriptionFromEnv: "b" });
  const c = cache.get({ ...base, topicFromEnv: "persistent://public/default/other" });
  assert.equal(a.subscription, "a");
  assert.equal(b.subscription, "b");
  assert.equal(c.topic.local, "other");
  assert.throws(() => cache.get({ ...base, adminURLFromEnv: "http://elsewhere:8080" }), MetadataError);
  assert.equal(cache.get({ ...base, adminURLFromEnv: "http://pulsar:8080" }).cluster, "default");
  assert.equal(cache.size, 5);
});
