import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, test } from "node:test";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { eventually, Latch } from "../support/latch.js";
import type { Proc } from "../support/programs.js";
import { sampleSum, scrape } from "../support/scrape.js";
import { createSubscription, publishOverWebSocket, startHub } from "./process-harness.js";

const TOPIC = "public/default/orders";
const META = {
  scalerAddress: "hub:9090",
  topic: `persistent://${TOPIC}`,
  subscription: "workers",
};
const ref = (name: string): ScaledObjectRef => ({ name, namespace: "apps", scalerMetadata: META });

let sim: RunningSimulator;
let hub: { proc: Proc; grpcPort: number; httpPort: number };
let keda: KedaEmulator;

before(async () => {
  sim = await startSimulator({ port: 0 });
  await createSubscription(sim, TOPIC, "workers");
  // No sidecar token: the gateway is off and the hub watches every key itself.
  hub = await startHub(sim, ["--fast-poll-ms", "200", "--active-poll-ms", "1000"]);
  keda = new KedaEmulator({ address: `127.0.0.1:${hub.grpcPort}`, reopenDelayMs: 60_000 });
});

after(async () => {
  keda.close();
  await hub.proc.kill();
  await sim.close();
});

async function backlog(name: string): Promise<number | undefined> {
  const spec = await keda.getMetricSpec(ref(name));
  const metric = spec.metricSpecs[0]?.metricName ?? "";
  const res = await keda.getMetrics(ref(name), metric).catch(() => undefined);
  return res?.metricValues[0]?.metricValueFloat;
}

void test(
  "scale from zero with the hub alone: one true per stream, backlog served, inactive after the ack",
  { timeout: 30_000 },
  async (t) => {
    assert.ok(
      hub.proc.lines.some((l) => l["level"] === 40 && /only hub watchers run/.test(String(l["msg"]))),
      "the hub warns that the gateway is off",
    );
    const names = ["so-a", "so-b", "so-c"];
    const opened = new Latch(names.length);
    const pushed = new Latch(names.length);
    const pushes = new Map<string, { result: boolean; at: number }[]>(names.map((n) => [n, []]));
    for (const name of names) {
      keda.watch(ref(name), {
        onOpen: () => opened.hit(),
        onPush: (res) => {
          pushes.get(name)?.push({ result: res.result, at: performance.now() });
          pushed.hit();
        },
      });
    }
    await opened.wait(5000, "streams opened");
    await eventually(async () => (await backlog("so-a")) === 0, 10_000, "first observation: backlog 0");
    assert.equal(await keda.isActive(ref("so-a")), false);
    assert.equal(pushed.hits, 0, "an idle key pushes nothing");

    const t0 = performance.now();
    await publishOverWebSocket(sim, TOPIC, "first");
    await pushed.wait(5000, "one true per stream after the first message");
    const latencies = names.map((n) => (pushes.get(n)?.[0]?.at ?? NaN) - t0);
    t.diagnostic(`publish -> pushed true (ms, per stream): ${latencies.map((l) => l.toFixed(1)).join(", ")}`);
    for (const n of names)
      assert.deepEqual(
        pushes.get(n)?.map((p) => p.result),
        [true],
        n,
      );
    assert.equal(await keda.isActive(ref("so-b")), true);
    await eventually(async () => (await backlog("so-b")) === 1, 5000, "GetMetrics serves the backlog 1");

    // More messages while the key is already active: no further true.
    await publishOverWebSocket(sim, TOPIC, "second");
    await publishOverWebSocket(sim, TOPIC, "third");
    await eventually(async () => (await backlog("so-c")) === 3, 5000, "GetMetrics serves the backlog 3");
    await sim.control.ack(`persistent://${TOPIC}`, "workers", 3);
    await eventually(async () => !(await keda.isActive(ref("so-a"))), 5000, "IsActive false after the ack");
    assert.equal(await backlog("so-a"), 0);
    for (const n of names) assert.equal(pushes.get(n)?.length, 1, `${n}: still exactly one true`);

    const metrics = await scrape(hub.httpPort);
    assert.equal(sampleSum(metrics, "pps_keys_watched"), 1);
    assert.equal(sampleSum(metrics, "pps_leases", { holder: "hub" }), 1);
    assert.equal(
      sampleSum(metrics, "pps_arrivals_total", { watcher: "hub" }),
      1,
      "the tripwire fired once; the messages published while active were not read",
    );
    assert.equal(sampleSum(metrics, "pps_sidecars_connected"), 0);
    assert.match(metrics, /pps_pulsar_admin_requests_total\{cluster="default",path="stats"\} \d+/);
    assert.match(
      metrics,
      /pps_observation_timestamp_seconds\{cluster="default",topic="persistent:\/\/public\/default\/orders",subscription="workers"\} [\d.]+/,
    );
    const observedAt = sampleSum(metrics, "pps_observation_timestamp_seconds", { subscription: "workers" });
    const ageS = Date.now() / 1000 - observedAt;
    assert.ok(ageS >= 0 && ageS < 60, `observation age ${ageS} s (time() minus the timestamp)`);
  },
);
