import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Proc } from "../support/programs.js";
import type { SimProc } from "../support/programs.js";
import { ensureSubscription, fullTopic, refFor } from "../support/pulsar.js";
import { sampleSum, scrape } from "../support/scrape.js";
import { eventually } from "../support/latch.js";
import { Cluster, STALENESS_MS } from "./harness.js";
import { StreamProbe } from "./invariants.js";
import { keyUnderTest, servesValue, unavailable, type KeyUnderTest } from "./keys.js";

// kill -9 of each process in turn: the lease-holding sidecar, the hub, the simulator.

const LEASE = ["--lease-timeout-ms", "1000", "--heartbeat-interval-ms", "200"];
const cluster = new Cluster();
const keys: KeyUnderTest[] = [];
const streams: StreamProbe[] = [];
let sim: SimProc;

before(async () => {
  sim = await cluster.sim();
});

after(async () => {
  for (const s of streams) s.stop();
  for (const k of keys) await k.probe.stop();
  await cluster.close();
  for (const k of keys) {
    assert.deepEqual(k.probe.violations, [], `invariant violated on ${k.topic}`);
    assert.ok(k.probe.values.length > 0, `${k.topic}: the probe read values`);
  }
});

function refs(k: KeyUnderTest, n: number) {
  return Array.from({ length: n }, (_, i) =>
    refFor({
      name: `${k.topic}-so-${i}`,
      adminUrl: k.ref.scalerMetadata["adminURL"] ?? "",
      topic: k.topic,
      subscription: "workers",
    }),
  );
}

const granted = (p: Proc) => p.lines.some((r) => r["msg"] === "granted: watching");

void test("kill -9 of the lease-holding sidecar: the lease moves, the activation is not missed", async () => {
  const hub = await cluster.hub({ adminUrl: sim.adminUrl, wsUrl: sim.wsUrl, extraArgs: LEASE });
  const keda = cluster.keda(hub.grpcAddress);
  await ensureSubscription(sim.adminUrl, "pk-side", "workers");
  const watch = [`${fullTopic("pk-side")}:workers`];
  const pods = await Promise.all(
    ["a", "b"].map((p) =>
      cluster.sidecar({
        hubUrl: hub.sidecarUrl,
        pod: `consumer-${p}`,
        adminUrl: sim.adminUrl,
        wsUrl: sim.wsUrl,
        watch,
      }),
    ),
  );
  const k = await keyUnderTest(sim, keda, "pk-side", 0);
  keys.push(k);
  const s = new StreamProbe(keda, refs(k, 2));
  streams.push(s);
  await eventually(
    async () => sampleSum(await scrape(hub.httpPort), "pps_leases", { holder: "sidecar" }) === 1,
    10_000,
    "a sidecar holds the key",
  );
  await eventually(() => pods.some(granted), 5000, "the holder logged its grant");
  const holder = pods.find(granted) as Proc;
  const other = pods.find((p) => p !== holder) as Proc;
  await eventually(async () => !(await keda.isActive(k.ref)), 5000, "inactive");

  await cluster.kill(holder);
  await k.publish(1); // published while nobody holds the key
  await eventually(() => s.allReached(1), 10_000, "every stream got true");
  await eventually(() => granted(other), 10_000, "the lease moved to the other sidecar");
  await servesValue(keda, k, 1);
  assert.deepEqual(s.pushes, [1, 1], "one true per stream");
});

void test("kill -9 of the hub, restarted on the same ports: streams reconnect, nothing invented meanwhile", async () => {
  const first = await cluster.hub({ adminUrl: sim.adminUrl, wsUrl: sim.wsUrl });
  const keda = cluster.keda(first.grpcAddress);
  const k = await keyUnderTest(sim, keda, "pk-hub", 3);
  keys.push(k);
  const s = new StreamProbe(keda, refs(k, 2));
  streams.push(s);
  await eventually(() => s.allReached(1), 5000, "streams opened on an active key got true");

  await cluster.kill(first);
  await k.publish(1); // 4 while the hub is down
  await eventually(() => k.probe.codes.size > 0, 5000, "the probe saw the hub down");
  const second = await cluster.hub({
    adminUrl: sim.adminUrl,
    wsUrl: sim.wsUrl,
    grpcPort: first.grpcPort,
    httpPort: first.httpPort,
  });
  assert.equal(second.grpcPort, first.grpcPort);
  await servesValue(keda, k, 4);
  await eventually(() => s.allReached(2), 10_000, "reopened streams got true again");
  assert.ok(
    s.opens.every((o) => o >= 2),
    "every stream was reopened",
  );
  assert.deepEqual(s.pushes, [2, 2], "one true per open on an active key");
  assert.ok(!k.probe.values.includes(0), "never an invented 0");
});

void test("kill -9 of the simulator: UNAVAILABLE after the staleness bound, recovery on restart", async () => {
  const sim2 = await cluster.sim();
  const hub = await cluster.hub({ adminUrl: sim2.adminUrl, wsUrl: sim2.wsUrl });
  const keda = cluster.keda(hub.grpcAddress);
  const k = await keyUnderTest(sim2, keda, "pk-sim", 2);
  keys.push(k);

  k.history.set(undefined);
  const killedAt = Date.now();
  await cluster.kill(sim2);
  const details = await unavailable(keda, k, 10_000);
  const after = Date.now() - killedAt;
  assert.ok(after >= STALENESS_MS - 300, `UNAVAILABLE only after the staleness bound (${after} ms)`);
  assert.match(details, /pk-sim/);

  const again = await cluster.sim(sim2.port);
  await ensureSubscription(again.adminUrl, "pk-sim", "workers");
  k.history.set(0);
  await again.control.publish({ topic: fullTopic("pk-sim"), count: 5 });
  k.history.set(5);
  await servesValue(keda, k, 5, 15_000);
});
