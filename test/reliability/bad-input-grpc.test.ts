import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import fc from "fast-check";
import { METADATA_KEYS } from "../../src/keda/metadata.js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { rssBytes } from "../support/proc-status.js";
import type { HubProc, SimProc } from "../support/programs.js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { Cluster } from "./harness.js";
import { keyUnderTest, servesValue, type KeyUnderTest } from "./keys.js";

// Bad trigger metadata over real gRPC: INVALID_ARGUMENT (or a clear transport error), never a crash,
// and the hub keeps serving the healthy key throughout.

const cluster = new Cluster();
let sim: SimProc;
let hub: HubProc;
let keda: KedaEmulator;
let healthy: KeyUnderTest;

before(async () => {
  sim = await cluster.sim();
  hub = await cluster.hub({
    adminUrl: sim.adminUrl,
    wsUrl: sim.wsUrl,
    extraArgs: ["--first-read-wait-ms", "100"],
  });
  keda = cluster.keda(hub.grpcAddress);
  healthy = await keyUnderTest(sim, keda, "healthy", 7);
});

after(async () => {
  await healthy.probe.stop();
  await cluster.close();
  assert.deepEqual(healthy.probe.violations, []);
  assert.ok(healthy.probe.values.length > 0, "the probe read values");
});

const ref = (scalerMetadata: Record<string, string>): ScaledObjectRef => ({
  name: "bad",
  namespace: "apps",
  scalerMetadata,
});

/** The status code of a call (OK = 0). */
async function codeOf(call: Promise<unknown>): Promise<status> {
  try {
    await call;
    return status.OK;
  } catch (err) {
    return (err as ServiceError).code ?? status.UNKNOWN;
  }
}

function good(): Record<string, string> {
  return { adminURL: sim.adminUrl, topic: "persistent://public/default/orders", subscription: "workers" };
}

void test("hand-picked bad metadata: INVALID_ARGUMENT from every RPC", async () => {
  const cases: Array<[string, Record<string, string>]> = [
    ["empty map", {}],
    ["no topic", { ...good(), topic: "" }],
    ["no subscription", { adminURL: sim.adminUrl, topic: "persistent://public/default/orders" }],
    ["control character", { ...good(), subscription: "work\u0000ers" }],
    ["100 KB topic", { ...good(), topic: `persistent://public/default/${"x".repeat(100_000)}` }],
    ["negative threshold", { ...good(), msgBacklogThreshold: "-1" }],
    ["zero threshold", { ...good(), msgBacklogThreshold: "0" }],
    ["threshold out of range", { ...good(), msgBacklogThreshold: "1e400" }],
    ["NaN threshold", { ...good(), msgBacklogThreshold: "NaN" }],
    ["Infinity activation", { ...good(), activationMsgBacklogThreshold: "Infinity" }],
    ["trailing junk", { ...good(), activationMsgBacklogThreshold: "10abc" }],
    ["bad boolean", { ...good(), isPartitionedTopic: "maybe" }],
    ["unknown metric", { ...good(), metric: "bogus" }],
    ["foreign adminURL", { ...good(), adminURL: "http://pulsar.evil.example:8080" }],
    ["unknown cluster", { ...good(), adminURL: "", cluster: "nope" }],
  ];
  for (const [label, meta] of cases) {
    const r = ref(meta);
    assert.equal(await codeOf(keda.getMetricSpec(r)), status.INVALID_ARGUMENT, `${label}: GetMetricSpec`);
    assert.equal(await codeOf(keda.getMetrics(r, "x")), status.INVALID_ARGUMENT, `${label}: GetMetrics`);
    assert.equal(await codeOf(keda.isActive(r)), status.INVALID_ARGUMENT, `${label}: IsActive`);
  }
  await servesValue(keda, healthy, 7);
});

void test("unicode names: answered (OK or INVALID_ARGUMENT), never an internal error", async () => {
  for (const sub of ["wörkers", "工作者", "😀-workers", "\u202eevil"]) {
    const code = await codeOf(keda.getMetricSpec(ref({ ...good(), subscription: sub })));
    assert.ok(code === status.OK || code === status.INVALID_ARGUMENT, `${sub}: code ${code}`);
  }
});

void test("generated metadata (fast-check): INVALID_ARGUMENT everywhere, or a spec and then OK or UNAVAILABLE", async () => {
  const keyArb = fc.oneof(fc.constantFrom(...METADATA_KEYS), fc.string({ maxLength: 20 }));
  const valueArb = fc.oneof(
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.constantFrom(
      "persistent://public/default/orders",
      "public/default/x",
      "workers",
      sim.adminUrl,
      "-1",
      "1e309",
      "0x10",
      " 5 ",
      "true",
    ),
    fc.double().map(String),
    fc.string({ unit: "grapheme", minLength: 1000, maxLength: 1200 }),
  );
  // As KEDA calls: GetMetricSpec, then GetMetrics with the name it returned, then IsActive. Metadata
  // the hub rejects is INVALID_ARGUMENT on every call; metadata it accepts gets a spec, and the reads
  // answer OK or UNAVAILABLE (no such topic or subscription: no data, never a made-up value).
  const reads = new Set([status.OK, status.UNAVAILABLE]);
  await fc.assert(
    fc.asyncProperty(fc.dictionary(keyArb, valueArb, { maxKeys: 10 }), async (meta) => {
      const r = ref(meta);
      const fail = (what: string, code: status) => {
        throw new Error(`${what}: code ${code} for ${JSON.stringify(meta)}`);
      };
      let name = "m";
      const specCode = await codeOf(
        keda.getMetricSpec(r).then((s) => (name = s.metricSpecs[0]?.metricName ?? "")),
      );
      if (specCode !== status.OK && specCode !== status.INVALID_ARGUMENT) fail("GetMetricSpec", specCode);
      const allowed = specCode === status.OK ? reads : new Set([status.INVALID_ARGUMENT]);
      const metricsCode = await codeOf(keda.getMetrics(r, name));
      if (!allowed.has(metricsCode)) fail("GetMetrics", metricsCode);
      const activeCode = await codeOf(keda.isActive(r));
      if (!allowed.has(activeCode)) fail("IsActive", activeCode);
    }),
    {
      numRuns: 120,
      // Always also: accepted metadata, on a known and on an unknown subscription.
      examples: [[good()], [{ topic: "persistent://public/default/orders", subscription: "0" }]],
    },
  );
  await servesValue(keda, healthy, 7);
});

void test("a 5 MB scalerMetadata map: a clear error, no crash", async () => {
  const meta: Record<string, string> = good();
  for (let i = 0; i < 5000; i++) meta[`filler-${i}`] = "y".repeat(1000);
  let err: ServiceError | undefined;
  try {
    await keda.getMetricSpec(ref(meta));
  } catch (e) {
    err = e as ServiceError;
  }
  assert.ok(err, "rejected");
  assert.ok(
    [status.RESOURCE_EXHAUSTED, status.INVALID_ARGUMENT].includes(err.code),
    `code ${err.code}: ${err.details}`,
  );
  assert.match(err.details, /\S/, "the error says something");
  assert.equal(hub.child.exitCode, null, "the hub is still running");
  await servesValue(keda, healthy, 7);
});

void test("memory stays bounded after the abuse", () => {
  const rss = rssBytes(hub.pid);
  assert.ok(rss < 300 * 1024 * 1024, `hub RSS ${Math.round(rss / 1024 / 1024)} MB`);
});
