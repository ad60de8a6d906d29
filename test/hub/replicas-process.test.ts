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
const TOPIC = "public/default/replicated";
const FULL = `persistent://${TOPIC}`;
const TOKEN = "sidecar-test-token";
const TIMINGS = ["--fast-poll-ms", "100", "--slow-poll-ms", "1000", "--arrival-debounce-ms", "5"];
const ref = (name: string): ScaledObjectRef => ({
  name,
  namespace: "apps",
  scalerMetadata: { scalerAddress: "hub:9090", topic: FULL, subscription: "workers" },
});

type Hub = { proc: Proc; grpcPort: number; httpPort: number };
let sim: RunningSimulator;
const hubs: Hub[] = [];
const kedas: KedaEmulator[] = [];
const procs: Proc[] = [];

before(async () => {
  sim = await startSimulator({ port: 0 });
  await createSubscription(sim, TOPIC, "workers");
  for (let i = 0; i < 2; i++) {
    const hub = await startHub(sim, TIMINGS, { PPS_SIDECAR_TOKEN: TOKEN });
    hubs.push(hub);
    procs.push(hub.proc);
  }
});

after(async () => {
  for (const k of kedas) k.close();
  await Promise.all(procs.map((p) => p.kill("SIGKILL")));
  await sim.close();
});

/** A stream on `hub` counting its true pushes; resolves once open. */
async function stream(
  hub: Hub,
  name: string,
): Promise<{ keda: KedaEmulator; name: string; trues: () => number; pushed: Latch }> {
  const keda = new KedaEmulator({ address: `127.0.0.1:${hub.grpcPort}`, reopenDelayMs: 60_000 });
  kedas.push(keda);
  let trues = 0;
  const pushed = new Latch(1);
  const opened = new Latch(1);
  keda.watch(ref(name), {
    onOpen: () => opened.hit(),
    onPush: (res) => {
      if (!res.result) return;
      trues++;
      pushed.hit();
    },
  });
  await opened.wait(5000, `${name} opened`);
  await eventually(async () => (await keda.tick(ref(name))).active === false, 10_000, `${name}: idle`);
  return { keda, name, trues: () => trues, pushed };
}

void test(
  "two hub replicas: kill -9 of the one with the sidecar misses no activation on the other",
  { timeout: 60_000 },
  async () => {
    const [a, b] = hubs as [Hub, Hub];
    procs.push(await startSidecar("sc-a", sim, a.httpPort, TOKEN, `${FULL}:workers`, TIMINGS));
    const onA = await stream(a, "so-on-a");
    const onB = await stream(b, "so-on-b");

    // Admin load: each replica has one watcher for the key (A's is the sidecar), so at most x2 of
    // one hub. Counted over a window against the schedule of one idle watcher (every 1000 ms).
    const before = await topicRequests(sim, FULL);
    // KEDA's calls on both replicas meanwhile (as the leases test does): they must not add requests.
    await Promise.all([onA, onB].map((o) => kedaLoad(o.keda, [ref(o.name)], 3000, 100)));
    const requests = (await topicRequests(sim, FULL)) - before;
    const oneHub = 3000 / 1000 + 1;
    assert.ok(requests <= 2 * oneHub, `${requests} admin requests in 3 s: at most x2 of one hub (${oneHub})`);

    await a.proc.kill("SIGKILL");
    await publishOverWebSocket(sim, TOPIC, "after the kill");
    await onB.pushed.wait(5000, "the stream on the live replica gets the activation");
    assert.equal(onB.trues(), 1);
    assert.equal(onA.trues(), 0, "the killed replica pushed nothing after its death");

    // KEDA reopens the killed replica's stream: on the live one (the headless Service's other
    // address), which pushes the activation at once since the key is active.
    const keda = new KedaEmulator({ address: `127.0.0.1:${b.grpcPort}`, reopenDelayMs: 60_000 });
    kedas.push(keda);
    const reopened = new Latch(1);
    keda.watch(ref("so-on-a"), { onPush: (res) => res.result && reopened.hit() });
    await reopened.wait(5000, "the reopened stream is told active at once");
    assert.equal((await keda.tick(ref("so-on-a"))).active, true);
  },
);
