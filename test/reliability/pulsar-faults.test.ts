import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { HubProc, SimProc } from "../support/programs.js";
import { fullTopic, refFor } from "../support/pulsar.js";
import { sampleSum, scrape } from "../support/scrape.js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { eventually } from "../support/latch.js";
import { Cluster } from "./harness.js";
import { StreamProbe } from "./invariants.js";
import { keyUnderTest, servesValue, unavailable, type KeyUnderTest } from "./keys.js";

// Pulsar faults injected by the simulator, seen through a hub process and KEDA's gRPC calls.
// Redirects (307 to the same host keeps credentials, to another host drops them) are covered at the
// client level by test/pulsar/admin-client.test.ts and test/pulsar/against-sim.test.ts.

const cluster = new Cluster();
let sim: SimProc;
let hub: HubProc;
let keda: KedaEmulator;
const keys: KeyUnderTest[] = [];

before(async () => {
  sim = await cluster.sim();
  hub = await cluster.hub({
    adminUrl: sim.adminUrl,
    wsUrl: sim.wsUrl,
    extraArgs: ["--pulsar-request-timeout-ms", "400", "--retry-after-max-ms", "10000"],
  });
  keda = cluster.keda(hub.grpcAddress);
});

after(async () => {
  for (const k of keys) await k.probe.stop();
  await cluster.close();
  for (const k of keys) {
    assert.deepEqual(k.probe.violations, [], `invariant violated on ${k.topic}`);
    assert.ok(k.probe.values.length > 0, `${k.topic}: the probe read values`);
  }
});

async function key(topic: string, backlog: number): Promise<KeyUnderTest> {
  const k = await keyUnderTest(sim, keda, topic, backlog);
  keys.push(k);
  return k;
}

/** A persistent fault on the key's stats: UNAVAILABLE (naming the key) until it clears, then fresh values. */
async function faultThenRecover(
  k: KeyUnderTest,
  kind: "json" | "text" | "html401" | "garbage" | "hang",
  status?: number,
): Promise<string> {
  await sim.control.faults({
    pathPattern: `/${k.topic}/stats`,
    count: -1,
    kind,
    ...(status !== undefined && { status }),
  });
  try {
    const details = await unavailable(keda, k);
    assert.match(details, new RegExp(k.topic), "the error names the key");
    await k.publish(1); // the backlog moves while the hub cannot see it: nothing may be invented
    return details;
  } finally {
    await sim.control.reset();
    await servesValue(keda, k, k.history.current ?? NaN);
  }
}

void test("HTTP 500 on stats: last good value, then UNAVAILABLE after the staleness bound, then recovery", async () => {
  await faultThenRecover(await key("f500", 3), "json", 500);
});

void test("HTML 401 (authentication filter) on stats: UNAVAILABLE, recovery", async () => {
  await faultThenRecover(await key("f401", 2), "html401");
});

void test("garbage JSON with 200: UNAVAILABLE, never a parsed 0, recovery", async () => {
  await faultThenRecover(await key("fgarbage", 4), "garbage");
});

void test("hanging stats requests: timeouts, UNAVAILABLE, recovery", async () => {
  const details = await faultThenRecover(await key("fhang", 5), "hang");
  assert.match(details, /time/i);
});

void test("429 with Retry-After within the staleness bound: the hub sends nothing during the Retry-After window", async () => {
  const k = await key("f429", 1);
  const topic = fullTopic(k.topic);
  const count = async () => (await sim.control.requests()).byTopic[topic] ?? 0;
  const before = await count();
  // 1 s: under the 1.5 s staleness bound, so it is honoured in full (a longer one is cut to the bound).
  await sim.control.faults({
    pathPattern: `/${k.topic}/stats`,
    count: -1,
    status: 429,
    retryAfterSeconds: 1,
  });
  let first = 0;
  await eventually(async () => (first = await count()) > before, 5000, "a request answered 429");
  const firstAt = Date.now();
  // Watch the counter for 0.6 s after the 429 was seen (Retry-After is 1 s; 0.4 s of slack for a
  // late sighting on a loaded machine): it must not move, and the retry must come after it.
  await eventually(async () => (await count()) > first || Date.now() - firstAt > 600, 5000, "window");
  assert.equal((await count()) - first, 0, "requests during the Retry-After window");
  await eventually(async () => (await count()) > first, 6000, "a retry after the window");
  assert.ok(Date.now() - firstAt >= 600, "the retry came after Retry-After");
  await sim.control.reset();
  await servesValue(keda, k, 1);
});

void test("429 with a Retry-After longer than the staleness bound: retried at the bound, not after minutes", async () => {
  const k = await key("f429long", 2);
  const topic = fullTopic(k.topic);
  const count = async () => (await sim.control.requests()).byTopic[topic] ?? 0;
  const before = await count();
  await sim.control.faults({
    pathPattern: `/${k.topic}/stats`,
    count: 1,
    status: 429,
    retryAfterSeconds: 600,
  });
  await eventually(async () => (await count()) > before, 5000, "a request answered 429");
  const first = await count();
  // --retry-after-max-ms is 10 s here, the staleness bound 1.5 s: the retry comes at the bound.
  await eventually(async () => (await count()) > first, 8000, "a retry long before 600 s (and 10 s)");
  await servesValue(keda, k, 2);
});

void test("WebSocket readers dropped mid-stream: arrivals resume, the edge reaches every stream once", async () => {
  const k = await key("fwsdrop", 0);
  const refs = [0, 1, 2].map((i) =>
    refFor({ name: `ws-so-${i}`, adminUrl: sim.adminUrl, topic: k.topic, subscription: "workers" }),
  );
  const streams = new StreamProbe(keda, refs);
  try {
    await eventually(async () => !(await keda.isActive(k.ref)), 5000, "inactive");
    const dropped = await sim.control.websocket("drop");
    assert.ok((dropped.dropped ?? 0) >= 1, "a reader session was dropped");
    const arrivals = async () =>
      sampleSum(await scrape(hub.httpPort), "pps_arrivals_total", { watcher: "hub" }) || 0;
    const before = await arrivals();
    // Publish one message at a time until the reconnected reader reports one (bounded by eventually).
    await eventually(
      async () => {
        await k.publish(1);
        return (await arrivals()) > before;
      },
      10_000,
      "an arrival after the drop",
    );
    await eventually(() => streams.allReached(1), 5000, "every stream got true");
    assert.deepEqual(streams.pushes, [1, 1, 1], "exactly one true per stream");
  } finally {
    streams.stop();
  }
});
