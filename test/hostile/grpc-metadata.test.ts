import assert from "node:assert/strict";
import { test } from "node:test";
import { capacityJunk, junkValues, oversizedMetadata, wideMetadata } from "../support/attacks/metadata.js";
import { hostileWorld, LIMITS, SUBSCRIPTION, TOPIC } from "./harness.js";

// Junk trigger metadata from a caller with no credentials (issue 11 items 1 and 3), against a hub
// process under the chart's heap caps: every junk call is refused, and the hub keeps answering the
// legitimate ScaledObject with the backlog Pulsar has.

const w = hostileWorld();

void test("3.9 MB topic values are refused from the length prefix", async () => {
  const r = await oversizedMetadata(w.target, 6);
  assert.deepEqual(r.outcomes, { RESOURCE_EXHAUSTED: 6 });
  await w.assertServing("3.9 MB topics");
});

void test("50,000-key maps are refused; 1,000-key maps are INVALID_ARGUMENT", async () => {
  assert.deepEqual((await wideMetadata(w.target, 3)).outcomes, { RESOURCE_EXHAUSTED: 3 });
  assert.deepEqual((await wideMetadata(w.target, 3, 1000)).outcomes, { INVALID_ARGUMENT: 3 });
  await w.assertServing("wide maps");
});

void test("500 distinct 1 KiB invalid values are INVALID_ARGUMENT", async () => {
  assert.deepEqual((await junkValues(w.target, 500)).outcomes, { INVALID_ARGUMENT: 500 });
  await w.assertServing("1 KiB junk values");
});

void test("ScaledObjects on topics Pulsar does not have never get a value", async () => {
  const r = await capacityJunk(w.target, LIMITS.maxKeys * 2, (i) => ({
    topic: `absent-${i}`,
    subscription: SUBSCRIPTION,
  }));
  // No value (UNAVAILABLE after the first-read wait) until --max-keys is full, then refused.
  assert.deepEqual(r.outcomes, { UNAVAILABLE: LIMITS.maxKeys - 1, RESOURCE_EXHAUSTED: LIMITS.maxKeys + 1 });
  await w.assertServing("absent topics");
});

void test("distinct ScaledObject names fill --max-scaled-objects; the legitimate one is never pushed out", async () => {
  const n = LIMITS.maxScaledObjects * 2;
  const r = await capacityJunk(w.target, n, () => ({ topic: TOPIC, subscription: SUBSCRIPTION }));
  // The legitimate ScaledObject holds one place; the first caller's names take the others.
  assert.deepEqual(r.outcomes, {
    OK: LIMITS.maxScaledObjects - 1,
    RESOURCE_EXHAUSTED: n - LIMITS.maxScaledObjects + 1,
  });
  await w.assertServing("capacity junk");
});
