/**
 * Measures, on loopback, what one key costs Pulsar and how fast a first message wakes KEDA:
 * simulator (in process) + a hub process + M sidecar processes announcing the key + N ScaledObjects
 * driven like KEDA (one StreamIsActive each; GetMetricSpec, GetMetrics, IsActive every --tick-ms).
 *
 *   node --import tsx scripts/measure-key-load.ts --sos 10 --sidecars 3 --seconds 30 --rounds 10
 *
 * Prints the admin requests per minute for the key while idle and while it has a backlog (default
 * watcher timings: 30 s idle poll, 1 s fast poll), and publish -> pushed `true` latencies.
 */
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { startSimulator } from "../src/sim/index.js";
import { KedaEmulator } from "../src/keda/keda-emulator.js";
import { eventually, Latch } from "../test/support/latch.js";
import { createSubscription, publishOverWebSocket, startHub } from "../test/hub/process-harness.js";
import { kedaLoad, startSidecar, topicRequests } from "../test/hub/sidecar-harness.js";

const { values } = parseArgs({
  options: {
    sos: { type: "string", default: "10" },
    sidecars: { type: "string", default: "3" },
    seconds: { type: "string", default: "30" },
    rounds: { type: "string", default: "10" },
    "tick-ms": { type: "string", default: "1000" },
  },
});
const N = Number(values.sos);
const M = Number(values.sidecars);
const WINDOW_MS = Number(values.seconds) * 1000;
const ROUNDS = Number(values.rounds);
const TICK_MS = Number(values["tick-ms"]);
const TOPIC = "public/default/measured";
const FULL = `persistent://${TOPIC}`;
const TOKEN = "measure-token";

const sim = await startSimulator({ port: 0 });
await createSubscription(sim, TOPIC, "workers");
const hub = await startHub(sim, [], { PPS_SIDECAR_TOKEN: TOKEN });
const sidecars = [];
for (let i = 0; i < M; i++) {
  sidecars.push(await startSidecar(`sidecar-${i}`, sim, hub.httpPort, TOKEN, `${FULL}:workers`));
}
const keda = new KedaEmulator({ address: `127.0.0.1:${hub.grpcPort}` });
const refs = Array.from({ length: N }, (_, i) => ({
  name: `so-${i}`,
  namespace: "apps",
  scalerMetadata: { scalerAddress: "hub:9090", topic: FULL, subscription: "workers" },
}));
let pushed = new Latch(N);
for (const r of refs) keda.watch(r, { onPush: () => pushed.hit() });

try {
  await eventually(async () => (await keda.tick(refs[0]!)).metrics !== undefined, 10_000, "first value");
  const perMinute = async (): Promise<{ requests: number; calls: number }> => {
    const before = await topicRequests(sim, FULL);
    const calls = await kedaLoad(keda, refs, WINDOW_MS, TICK_MS);
    const requests = (await topicRequests(sim, FULL)) - before;
    return { requests: (requests * 60_000) / WINDOW_MS, calls: (calls * 60_000) / WINDOW_MS };
  };
  const idle = await perMinute();
  await sim.control.publish({ topic: TOPIC, count: 50 });
  const busy = await perMinute();
  await sim.control.ack(FULL, "workers", 1000);
  await eventually(async () => (await keda.tick(refs[0]!)).active === false, 10_000, "inactive");

  const latencies: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    pushed = new Latch(N);
    const t0 = performance.now();
    let last = 0;
    const done = pushed.wait(5000, "pushes").then(() => (last = performance.now()));
    await publishOverWebSocket(sim, TOPIC, `round-${i}`);
    await done;
    latencies.push(last - t0);
    await sim.control.ack(FULL, "workers", 1000);
    await eventually(async () => (await keda.tick(refs[0]!)).active === false, 10_000, "inactive");
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const report = {
    scaledObjects: N,
    sidecars: M,
    windowSeconds: WINDOW_MS / 1000,
    adminRequestsPerMinute: { idle: idle.requests, backlog: busy.requests },
    kedaCallsPerMinute: { idle: idle.calls, backlog: busy.calls },
    publishToPushMs: { rounds: ROUNDS, p50: pct(0.5), p90: pct(0.9), max: latencies.at(-1) },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  keda.close();
  await Promise.all(sidecars.map((s) => s.kill()));
  await hub.proc.kill();
  await sim.close();
}
