import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { HubProc, SimProc } from "../support/programs.js";
import { ensureSubscription, fullTopic, refFor } from "../support/pulsar.js";
import { eventually } from "../support/latch.js";
import { Cluster } from "./harness.js";
import { read, servesValue, unavailable } from "./keys.js";

// The freshness model through a hub process (docs/watch-engine.md, Freshness): a staleness bound
// of 60 s and an error grace of 3 s, so what answers UNAVAILABLE here is the grace or a 404, never
// the age of the observation. Behaviour, not timing: the fault is a number of failed requests, and
// the kill is followed by the message the grace gives.

const STALENESS_MS = 60_000;
const GRACE_MS = 3000;
const cluster = new Cluster();
let sim: SimProc;
let hub: HubProc;
let keda: KedaEmulator;

before(async () => {
  sim = await cluster.sim();
  hub = await cluster.hub(
    { adminUrl: sim.adminUrl, wsUrl: sim.wsUrl, extraArgs: ["--error-grace-ms", String(GRACE_MS)] },
    STALENESS_MS,
  );
  keda = cluster.keda(hub.grpcAddress);
});

after(async () => {
  await cluster.close();
});

/** A subscription with `backlog` messages, served by the hub. */
async function served(topic: string, backlog: number) {
  await ensureSubscription(sim.adminUrl, topic, "workers");
  await sim.control.publish({ topic: fullTopic(topic), count: backlog });
  const ref = refFor({ name: `so-${topic}`, adminUrl: sim.adminUrl, topic, subscription: "workers" });
  const spec = await keda.getMetricSpec(ref);
  const metricName = spec.metricSpecs[0]?.metricName ?? "";
  const k = { ref, metricName, topic };
  await servesValue(keda, k, backlog);
  return k;
}

void test("a short outage (three failed stats polls) is bridged: the last value, never UNAVAILABLE", async () => {
  const k = await served("bridge", 3);
  const topic = fullTopic(k.topic);
  const count = async () => (await sim.control.requests()).byTopic[topic] ?? 0;
  const before = await count();
  await sim.control.faults({ pathPattern: `/${k.topic}/stats`, count: 3, status: 503 });
  const answers: unknown[] = [];
  // Read until the three faults and one good poll after them were answered.
  await eventually(
    async () => {
      answers.push(await read(keda, k.ref, k.metricName));
      return (await count()) >= before + 4;
    },
    10_000,
    "three failed polls and a good one",
  );
  answers.push(await read(keda, k.ref, k.metricName));
  assert.deepEqual(new Set(answers), new Set([3]), "every answer was the value Pulsar had");
});

void test("a deleted subscription answers UNAVAILABLE at the next poll, naming it", async () => {
  const k = await served("deleted", 2);
  const url = `${sim.adminUrl}/admin/v2/persistent/public/default/${k.topic}/subscription/workers?force=true`;
  const res = await fetch(url, { method: "DELETE" });
  await res.text();
  assert.ok(res.ok, `DELETE subscription: HTTP ${res.status}`);
  const details = await unavailable(keda, k, 10_000);
  assert.match(
    details,
    /subscription workers of topic persistent:\/\/public\/default\/deleted does not exist/,
  );
});

void test("Pulsar killed: UNAVAILABLE from the error grace, long before the staleness bound", async () => {
  const k = await served("killed", 4);
  await cluster.kill(sim);
  const details = await unavailable(keda, k, STALENESS_MS / 2);
  assert.match(details, /every stats poll has failed for \d+ ms \(error grace 3000 ms\)/);
  assert.match(details, /newest observation is \d+ ms old/);
});
