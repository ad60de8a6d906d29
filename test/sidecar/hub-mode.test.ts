import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ArrivalFrame, ObservationFrame, SidecarFrame } from "../../src/contract/frames.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { keyId, type WatchKey } from "../../src/state/key.js";
import { FakeHub, type FakeHubSession } from "../support/fake-hub.js";
import { tempDir } from "../support/temp-dir.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { producer, readerAttached, tokenFile, topicWithSubscription, type Producer } from "./helpers.js";
import { assertSidecarMetrics } from "../support/metric-docs.js";

const ORDERS: WatchKey = {
  cluster: "default",
  topic: "persistent://public/default/orders",
  subscription: "workers",
};
const EVENTS: WatchKey = {
  cluster: "default",
  topic: "persistent://public/default/events",
  subscription: "audit",
};

/** Made at the file's top level: removed after the last test, not after `before`. */
const secrets = tempDir("pps-sidecar-");
let sim: RunningSimulator;
let hub: FakeHub;
let sidecar: SidecarProcess;
let session: FakeHubSession;
let orders: Producer;

const about =
  (key: WatchKey, type?: SidecarFrame["type"]) =>
  (f: SidecarFrame): boolean =>
    (type === undefined || f.type === type) && "key" in f && keyId(f.key) === keyId(key);

before(async () => {
  sim = await startSimulator({ port: 0 });
  await topicWithSubscription(sim, "orders", "workers");
  await topicWithSubscription(sim, "events", "audit");
  await sim.control.publish({ topic: "persistent://public/default/orders", count: 3 });
  hub = await FakeHub.start({ token: () => "hub-secret", heartbeatIntervalMs: 200, leaseTimeoutMs: 5000 });
  sidecar = await startSidecar(["--http-port", "0", "--arrival-debounce-ms", "5", "--fast-poll-ms", "100"], {
    PPS_HUB_URL: hub.url,
    PPS_HUB_TOKEN_FILE: tokenFile(secrets, "hub-secret"),
    POD_NAME: "orders-7f9c-x2",
    POD_NAMESPACE: "shop",
    PPS_WATCH: "persistent://public/default/orders:workers,public/default/events:audit",
    PPS_PULSAR_ADMIN_URL: sim.adminUrl,
    PPS_LOG_LEVEL: "debug",
  });
  session = await hub.nextSession(10_000);
  orders = await producer(sim, "orders");
});

after(async () => {
  await sidecar?.kill();
  orders?.close();
  await hub?.close();
  await sim?.close();
});

void test("hub mode: the ready line has the ports; hello carries pod, namespace and the --watch keys", () => {
  assert.equal(sidecar.ready["mode"], "hub");
  assert.equal(typeof sidecar.ready["httpPort"], "number");
  assert.deepEqual(sidecar.ready["keys"], [keyId(ORDERS), keyId(EVENTS)]);
  assert.equal(session.hello?.pod, "orders-7f9c-x2");
  assert.equal(session.hello?.namespace, "shop");
  assert.deepEqual(session.hello?.keys, [ORDERS, EVENTS]);
  assert.match(session.hello?.sidecarVersion ?? "", /^\d+\.\d+\.\d+/);
  assert.equal(hub.authorizations[0], "Bearer hub-secret");
});

void test("hub mode: after a grant, an observation with the simulator's real backlog", async () => {
  session.grant(ORDERS);
  const obs = (await session.frames.next(
    about(ORDERS, "observation"),
    5000,
    "observation",
  )) as ObservationFrame;
  assert.equal(obs.observation.msgBacklog, 3);
  assert.equal(obs.observation.partitions, 0);
  assert.ok(Math.abs(obs.observation.observedAt - Date.now()) < 5000);
  // Nothing about the key that was not granted.
  assert.ok(!session.frames.all.some(about(EVENTS)));
});

void test("hub mode: a publish over the WebSocket producer brings an arrival frame", async () => {
  // How soon is a benchmark figure, not a test's: `npm run bench` row "activation | push, sidecar
  // lease holder" times publish to KEDA push through a sidecar's arrival frame.
  // The reader opens after the first snapshot: wait until the broker lists it, then publish once.
  await readerAttached(sim, "orders");
  const before = session.frames.all.filter(about(ORDERS, "arrival")).length;
  const sentAt = await orders.send();
  const frame = (await session.frames.next(
    (f) => about(ORDERS, "arrival")(f) && (f as ArrivalFrame).receivedAt >= sentAt,
    5000,
    "arrival of the timed publish",
  )) as ArrivalFrame;
  assert.ok(session.frames.all.filter(about(ORDERS, "arrival")).length > before);
  assert.deepEqual(Object.keys(frame).sort(), ["key", "receivedAt", "type", "v"], "only what the hub reads");
  // The arrival asks for a poll: a newer observation shows the grown backlog.
  const obs = (await session.frames.next(
    (f) => about(ORDERS, "observation")(f) && (f as ObservationFrame).observation.msgBacklog > 3,
    5000,
    "observation after the arrival",
  )) as ObservationFrame;
  assert.ok(obs.observation.observedAt >= sentAt - 5);
});

void test("hub mode: a revoke stops the reports of that key", async () => {
  session.revoke(ORDERS);
  await sidecar.lines.next(
    (l) => l["msg"] === "revoked: stopped watching" && l["key"] === keyId(ORDERS),
    5000,
    "revoke log line",
  );
  const cut = session.frames.all.length;
  await orders.send();
  // Barrier: the other key's first reports come after a full poll and reader round trip.
  session.grant(EVENTS);
  await session.frames.next(about(EVENTS, "observation"), 5000, "observation of the other key");
  const events = await producer(sim, "events");
  try {
    await readerAttached(sim, "events");
    await events.send();
    await session.frames.next(about(EVENTS, "arrival"), 5000, "arrival of the other key");
  } finally {
    events.close();
  }
  const late = session.frames.all.slice(cut).filter(about(ORDERS));
  assert.deepEqual(late, [], "no report for a revoked key");
});

void test("hub mode: /healthz, /readyz (connected) and /metrics", async () => {
  const base = `http://127.0.0.1:${sidecar.ready["httpPort"] as number}`;
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /pps_sidecar_hub_connected 1/);
  assert.match(text, /pps_sidecar_watched_keys 1/);
  assert.match(text, /pps_sidecar_hub_frames_total\{direction="out"\} \d+/);
  assertSidecarMetrics(text, "hub");
});

void test("hub mode: SIGTERM -> the hub sees a 1000 close and the sidecar exits 0", async () => {
  sidecar.child.kill("SIGTERM");
  const closed = await session.closed;
  assert.equal(closed.code, 1000);
  const exit = await sidecar.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, sidecar.stderr());
  const errors = sidecar.lines.all.filter((l) => (l["level"] as number) >= 50);
  assert.deepEqual(errors, [], "no error logged");
  assert.ok(sidecar.lines.all.some((l) => l["msg"] === "stopped"));
});
