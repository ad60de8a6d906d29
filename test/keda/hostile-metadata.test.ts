import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { status } from "@grpc/grpc-js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { KEDA_REQUEST_MAX_BYTES } from "../../src/keda/metadata.js";
import { KEY, META, ref, startHarness, type Harness, grpcFailure } from "./harness.js";

// Many distinct invalid and oversized metadata maps over the real gRPC server: each is answered
// INVALID_ARGUMENT, none is kept, and a valid call after them is answered from a cache that holds
// only valid entries, under its byte bound.

let h: Harness;
let keda: KedaEmulator;

before(async () => {
  h = await startHarness();
  keda = h.emulator();
});
after(() => h.close());

const failure = grpcFailure;

void test("junk metadata over gRPC is refused and not kept; a valid call is answered after it", async () => {
  h.state.setValue(KEY, 7);
  // Larger than any valid request: refused by grpc-js from the length prefix, never buffered.
  const big = "t".repeat(3_900_000);
  for (let i = 0; i < 12; i++) {
    const r = await failure(keda.getMetricSpec(ref({ ...META, topic: `${i}${big}` }, `big-${i}`)));
    assert.equal(r.code, status.RESOURCE_EXHAUSTED);
    assert.match(r.details, new RegExp(`larger than max .*${KEDA_REQUEST_MAX_BYTES}`));
  }
  // Under the message bound, over the value bound: INVALID_ARGUMENT naming the key and the bound.
  const mid = "m".repeat(60_000);
  for (let i = 0; i < 50; i++) {
    const r = await failure(keda.getMetricSpec(ref({ ...META, topic: `${i}${mid}` }, `mid-${i}`)));
    assert.equal(r.code, status.INVALID_ARGUMENT);
    assert.match(r.details, /trigger metadata topic = .*expected a value of at most 1024 bytes/);
    assert.ok(r.details.length < 400);
  }
  const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
  const huge = await failure(keda.getMetricSpec(ref({ ...META, ...keys(50_000) })));
  assert.equal(huge.code, status.RESOURCE_EXHAUSTED, "50,000 keys are over the message bound");
  const r = await failure(keda.getMetricSpec(ref({ ...META, ...keys(1000) })));
  assert.equal(r.code, status.INVALID_ARGUMENT);
  assert.match(r.details, /scalerMetadata = .*at most 128 keys/);
  // Distinct 1 KiB invalid values, in batches so that the calls overlap as a flood would.
  for (let batch = 0; batch < 20; batch++) {
    const calls = Array.from({ length: 100 }, (_, j) => {
      const topic = `bad topic ${batch}-${j} ${"z".repeat(1000)}`.slice(0, 1024);
      return failure(keda.getMetricSpec(ref({ ...META, topic }, `junk-${batch}-${j}`)));
    });
    for (const f of await Promise.all(calls)) assert.equal(f.code, status.INVALID_ARGUMENT);
  }
  assert.equal(h.service.triggerCache.size, 0, "no rejected map is kept");
  const spec = await keda.getMetricSpec(ref());
  const name = spec.metricSpecs[0]?.metricName ?? "";
  const res = await keda.getMetrics(ref(), name);
  assert.equal(res.metricValues[0]?.metricValueFloat, 7);
  const cache = h.service.triggerCache;
  assert.equal(cache.size, 1);
  assert.ok(cache.bytes > 0 && cache.bytes <= cache.maxBytes, `${cache.bytes} of ${cache.maxBytes}`);
});
