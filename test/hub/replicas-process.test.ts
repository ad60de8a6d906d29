import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { eventually, Latch } from "../support/latch.js";
import type { Proc } from "../support/programs.js";
import { createSubscription, publishOverWebSocket, startHub } from "./process-harness.js";
import { kedaLoad, startSidecar, topicRequests } from "./sidecar-harness.js";

// Issue 10 item 8: two hub replicas (each holds the full state, docs/hub.md "Hub replicas"), a
// KEDA-like client with streams on both, sidecars on one. kill -9 of a replica: the other's
// streams miss no activation, and the killed replica's streams reopen on the live one.
const TOKEN = "sidecar-test-token";
const TIMINGS = ["--fast-poll-ms", "100", "--slow-poll-ms", "1000", "--arrival-debounce-ms", "5"];
const ref = (topic: string, name: string): ScaledObjectRef => ({
  name,
  namespace: "apps",
  scalerMetadata: { scalerAddress: "hub:9090", topic: `persistent://${topic}`, subscription: "workers" },
});

type Hub = { proc: Proc; grpcPort: number; httpPort: number };
let sim: RunningSimulator;
const kedas: KedaEmulator[] = [];
const procs: Proc[] = [];

before(async () => {
  sim = await startSimulator({ port: 0 });
});

after(async () => {
  for (const k of kedas) k.close();
  await Promise.all(procs.map((p) => p.kill("SIGKILL")));
  await sim.close();
});

/** A stream on `hub` counting its true pushes; resolves once open. */
async function stream(
  hub: Hub,
  r: ScaledObjectRef,
): Promise<{ keda: KedaEmulator; ref: ScaledObjectRef; trues: () => number; pushed: Latch }> {
  const keda = new KedaEmulator({ address: `127.0.0.1:${hub.grpcPort}`, reopenDelayMs: 60_000 });
  kedas.push(keda);
  let trues = 0;
  const pushed = new Latch(1);
  const opened = new Latch(1);
  keda.watch(r, {
    onOpen: () => opened.hit(),
    onPush: (res) => {
      if (!res.result) return;
      trues++;
      pushed.hit();
    },
  });
  await opened.wait(5000, `${r.name} opened`);
  await eventually(async () => (await keda.tick(r)).active === false, 10_000, `${r.name}: idle`);
  return { keda, ref: r, trues: () => trues, pushed };
}

/** Two replicas on `topic`, a sidecar on the first; kill -9 of replica `victim`. */
async function killOne(topic: string, victim: 0 | 1): Promise<void> {
  await createSubscription(sim, topic, "workers");
  const full = `persistent://${topic}`;
  const hubs: Hub[] = [];
  for (let i = 0; i < 2; i++) {
    const hub = await startHub(sim, TIMINGS, { PPS_SIDECAR_TOKEN: TOKEN });
    hubs.push(hub);
    procs.push(hub.proc);
  }
  const [a, b] = hubs as [Hub, Hub];
  procs.push(await startSidecar(`sc-kill-${victim}`, sim, a.httpPort, TOKEN, `${full}:workers`, TIMINGS));
  const streams = [await stream(a, ref(topic, "so-on-a")), await stream(b, ref(topic, "so-on-b"))];

  // Admin load: each replica has one watcher for the key (A's is the sidecar), so at most x2 of
  // one hub. Counted over a window against the schedule of one idle watcher (every 1000 ms).
  const before = await topicRequests(sim, full);
  // KEDA's calls on both replicas meanwhile (as the leases test does): they must not add requests.
  await Promise.all(streams.map((o) => kedaLoad(o.keda, [o.ref], 3000, 100)));
  const requests = (await topicRequests(sim, full)) - before;
  const oneHub = 3000 / 1000 + 1;
  assert.ok(requests <= 2 * oneHub, `${requests} admin requests in 3 s: at most x2 of one hub (${oneHub})`);

  const dead = hubs[victim] as Hub;
  const live = hubs[1 - victim] as Hub;
  const onDead = streams[victim]!;
  const onLive = streams[1 - victim]!;
  await dead.proc.kill("SIGKILL");
  await publishOverWebSocket(sim, topic, "after the kill");
  await onLive.pushed.wait(5000, "the stream on the live replica gets the activation");
  assert.equal(onLive.trues(), 1);
  assert.equal(onDead.trues(), 0, "the killed replica pushed nothing after its death");

  // KEDA reopens the killed replica's stream: on the live one (the headless Service's other
  // address), which pushes the activation at once since the key is active.
  const keda = new KedaEmulator({ address: `127.0.0.1:${live.grpcPort}`, reopenDelayMs: 60_000 });
  kedas.push(keda);
  const reopened = new Latch(1);
  keda.watch(onDead.ref, { onPush: (res) => res.result && reopened.hit() });
  await reopened.wait(5000, "the reopened stream is told active at once");
  assert.equal((await keda.tick(onDead.ref)).active, true);
}

void test(
  "two hub replicas: kill -9 of the one with the sidecar misses no activation on the other",
  { timeout: 60_000 },
  () => killOne("public/default/replicated-a", 0),
);

void test(
  "two hub replicas: kill -9 of the one watching itself misses no activation on the other",
  { timeout: 60_000 },
  () => killOne("public/default/replicated-b", 1),
);
