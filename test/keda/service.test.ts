import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { KEY, META, ref, startHarness, type Harness, grpcFailure } from "./harness.js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";

let h: Harness;
let keda: KedaEmulator;

before(async () => {
  h = await startHarness({ servedNamespaces: ["apps", "batch"] });
  keda = h.emulator();
});
after(() => h.close());

const code = grpcFailure;

void test("GetMetricSpec answers from metadata alone, both target fields", async () => {
  h.state.setUnavailable(KEY, "Pulsar is down");
  const res = await keda.getMetricSpec(ref({ ...META, msgBacklogThreshold: "2.5" }));
  assert.equal(res.metricSpecs.length, 1);
  const spec = res.metricSpecs[0];
  assert.ok(spec);
  assert.match(spec.metricName, /^pulsar-orders-workers-[0-9a-f]{10}$/);
  assert.equal(spec.targetSizeFloat, 2.5);
  assert.equal(spec.targetSize, 3);
  assert.equal(h.state.calls.length, 0, "GetMetricSpec reads no state");
});

void test("GetMetricSpec: a threshold under 0.5 still has targetSize 1 (KEDA before 2.17 reads only it)", async () => {
  const res = await keda.getMetricSpec(ref({ ...META, msgBacklogThreshold: "0.4" }));
  assert.equal(res.metricSpecs[0]?.targetSizeFloat, 0.4);
  assert.equal(res.metricSpecs[0]?.targetSize, 1);
});

void test("metadata as KEDA forwards it (padded values, FromEnv keys) serves the same trigger", async () => {
  h.state.setValue(KEY, 9);
  const plain = await keda.getMetricSpec(ref());
  const name = plain.metricSpecs[0]?.metricName ?? "";
  const forwarded = {
    adminURLFromEnv: " http://pulsar:8080 ",
    topicFromEnv: "persistent://public/default/orders\n",
    subscription: " workers ",
    msgBacklogThreshold: " 5 ",
  };
  assert.deepEqual((await keda.getMetricSpec(ref(forwarded))).metricSpecs, plain.metricSpecs);
  const res = await keda.getMetrics(ref(forwarded), name);
  assert.deepEqual(res.metricValues, [{ metricName: name, metricValue: 9, metricValueFloat: 9 }]);
});

void test("GetMetrics serves the value as int and float, with or without the s<i>- prefix", async () => {
  h.state.setValue(KEY, 41.6);
  const spec = await keda.getMetricSpec(ref());
  const name = spec.metricSpecs[0]?.metricName ?? "";
  for (const asked of [name, `s0-${name}`, `s3-${name}`]) {
    const res = await keda.getMetrics(ref(), asked);
    assert.deepEqual(res.metricValues, [{ metricName: name, metricValue: 42, metricValueFloat: 41.6 }]);
  }
});

void test("GetMetrics for another metric name is NOT_FOUND", async () => {
  h.state.setValue(KEY, 1);
  const r = await code(keda.getMetrics(ref(), "pulsar-something-else"));
  assert.equal(r.code, status.NOT_FOUND);
  assert.match(r.details, /pulsar-something-else/);
});

void test("no fresh data is UNAVAILABLE, never a 0", async () => {
  h.state.setUnavailable(KEY, "stats 503 from broker");
  const spec = await keda.getMetricSpec(ref());
  const r = await code(keda.getMetrics(ref(), spec.metricSpecs[0]?.metricName ?? ""));
  assert.equal(r.code, status.UNAVAILABLE);
  assert.match(r.details, /stats 503 from broker/);
  const a = await code(keda.isActive(ref()));
  assert.equal(a.code, status.UNAVAILABLE);
  const tick = await keda.tick(ref());
  assert.equal(tick.metrics, undefined);
  assert.equal(tick.error?.code, status.UNAVAILABLE);
});

void test("IsActive follows the state", async () => {
  h.state.setValue(KEY, 0);
  h.state.setActive(KEY, false);
  assert.equal(await keda.isActive(ref()), false);
  h.state.setActive(KEY, true);
  assert.equal(await keda.isActive(ref()), true);
  const tick = await keda.tick(ref());
  assert.equal(tick.active, true);
  h.state.setActive(KEY, false);
});

void test("bad metadata is INVALID_ARGUMENT naming the key, on every method", async () => {
  const bad = ref({ ...META, subscription: "" });
  for (const p of [keda.getMetricSpec(bad), keda.getMetrics(bad, "x"), keda.isActive(bad)]) {
    const r = await code(p);
    assert.equal(r.code, status.INVALID_ARGUMENT);
    assert.match(r.details, /subscription/);
  }
  const evil = await code(keda.getMetricSpec(ref({ ...META, adminURL: "http://evil:1" })));
  assert.equal(evil.code, status.INVALID_ARGUMENT);
  assert.match(evil.details, /adminURL/);
});

void test("a namespace not served is PERMISSION_DENIED naming it", async () => {
  const other = ref(META, "consumer", "payments");
  for (const p of [keda.getMetricSpec(other), keda.getMetrics(other, "x"), keda.isActive(other)]) {
    const r = await code(p);
    assert.equal(r.code, status.PERMISSION_DENIED);
    assert.match(r.details, /"payments"/);
  }
  assert.equal((await keda.getMetricSpec(ref(META, "consumer", "batch"))).metricSpecs.length, 1);
});

void test("an unexpected error is INTERNAL", async () => {
  h.state.broken = new Error("boom");
  try {
    const r = await code(keda.isActive(ref()));
    assert.equal(r.code, status.INTERNAL);
  } finally {
    h.state.broken = undefined;
  }
});

void test("/metrics text counts calls by method and code", async () => {
  const text = await h.registry.metrics();
  assert.match(text, /pps_grpc_requests_total\{method="GetMetricSpec",code="OK"\} \d+/);
  assert.match(text, /pps_grpc_requests_total\{method="IsActive",code="PERMISSION_DENIED"\} \d+/);
  assert.match(
    text,
    /pps_grpc_request_duration_seconds_bucket\{le="\+Inf",method="GetMetrics",code="OK"\} \d+/,
  );
});
