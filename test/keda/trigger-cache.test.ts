import assert from "node:assert/strict";
import { test } from "node:test";
import { MetadataError } from "../../src/keda/errors.js";
import { canonicalMetadata, METADATA_VALUE_MAX_BYTES } from "../../src/keda/metadata.js";
import { entryBytes, TriggerCache } from "../../src/keda/trigger-cache.js";
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

void test("trigger cache: bad metadata is answered with the same error each time and never stored", () => {
  const cache = new TriggerCache(CLUSTERS, { max: 2 });
  const bad = { ...META, topic: "nope" };
  const first = errorOf(() => cache.get(bad));
  const second = errorOf(() => cache.get(bad));
  assert.ok(first instanceof MetadataError);
  assert.ok(second instanceof MetadataError);
  assert.equal(second.message, first.message);
  assert.equal(cache.size, 0);
  assert.equal(cache.bytes, 0);
});

void test("trigger cache: bounded", () => {
  const cache = new TriggerCache(CLUSTERS, { max: 3 });
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
  assert.equal(cache.size, 4, "four valid identities; the refused one is not kept");
});
void test("trigger cache: bounded by estimated bytes, whatever the entry count allows", () => {
  const maxBytes = 10 * entryBytes(canonicalMetadata({ ...META, subscription: "s0000" }));
  const cache = new TriggerCache(CLUSTERS, { max: 1000, maxBytes });
  for (let i = 0; i < 200; i++) {
    cache.get({ ...META, subscription: `s${String(i).padStart(4, "0")}-${"x".repeat(i * 4)}` });
    assert.ok(cache.bytes <= maxBytes, `${cache.bytes} > ${maxBytes} after ${i + 1} entries`);
  }
  assert.ok(cache.size < 10);
  assert.equal(cache.maxBytes, maxBytes);
});

void test("trigger cache: oversized values and maps are refused naming the key and the bound, and not kept", () => {
  const cache = new TriggerCache(CLUSTERS);
  const huge = "x".repeat(4_000_000);
  const cases: [Record<string, string>, RegExp][] = [
    [{ ...META, topic: `persistent://public/default/${huge}` }, /topic = .*at most 1024 bytes/],
    [
      { ...META, subscription: "é".repeat(METADATA_VALUE_MAX_BYTES / 2 + 1) },
      /subscription = .*at most 1024 bytes/,
    ],
    [{ ...META, caCert: huge }, /caCert = .*at most 65536 bytes/],
    [{ ...META, [huge]: "1" }, /at most 65536 bytes of keys and values in all/],
    [
      { ...META, a: "y".repeat(40_000), b: "y".repeat(40_000) },
      /at most 65536 bytes of keys and values in all/,
    ],
    [
      { ...META, ...Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, "v"])) },
      /scalerMetadata = .*at most 128 keys/,
    ],
  ];
  for (const [meta, text] of cases) {
    const err = errorOf(() => cache.get(meta));
    assert.ok(err instanceof MetadataError, String(err));
    assert.match(err.message, text);
    assert.ok(err.message.length < 400, "the message shows only the head of a value");
    assert.ok((err.value ?? "").length <= 121, "the error keeps only the head of a value");
  }
  assert.equal(cache.size, 0);
  assert.equal(cache.bytes, 0);
  // A map at the bounds is accepted (ignored keys of a few KiB, like KEDA's TLS keys).
  assert.equal(cache.get({ ...META, caCert: "c".repeat(8 * 1024) }).subscription, META.subscription);
});

void test("trigger cache: valid entries survive any amount of junk", () => {
  const cache = new TriggerCache(CLUSTERS, { max: 100, maxBytes: 64 * 1024 });
  const valid = cache.get({ ...META });
  for (let i = 0; i < 20_000; i++) {
    const junk =
      i % 2 === 0
        ? { ...META, topic: `junk ${i} ${"z".repeat(900)}` }
        : { ...META, topic: "q".repeat(2000 + i) };
    assert.ok(errorOf(() => cache.get(junk)) instanceof MetadataError);
  }
  assert.equal(cache.size, 1);
  assert.equal(cache.get({ ...META }), valid);
});

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail("expected a throw");
}
