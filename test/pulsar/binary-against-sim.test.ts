import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { systemClock } from "../../src/lib/clock.js";
import { noAuth } from "../../src/pulsar/auth/none.js";
import { inlineTokenAuth } from "../../src/pulsar/auth/token.js";
import { BinaryArrivalSource } from "../../src/pulsar/binary/arrival-source.js";
import { loadPulsarCodec } from "../../src/pulsar/binary/commands.js";
import type { AuthProvider } from "../../src/pulsar/auth/provider.js";
import { AuthenticationError, TopicNotFoundError } from "../../src/pulsar/errors.js";
import type { ArrivalStatus } from "../../src/pulsar/ports.js";
import type { ArrivalEvent } from "../../src/pulsar/snapshot.js";
import { parseTopicName, type TopicName } from "../../src/pulsar/topic-name.js";
import { signJwt, startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { FrameQueue } from "../support/frame-queue.js";
import { adminCall, mustAdmin } from "./sim-helpers.js";

const codec = loadPulsarCodec();
const orders = parseTopicName("persistent://public/default/orders");
const events = parseTopicName("persistent://public/default/events");
const ORDERS = "/admin/v2/persistent/public/default/orders";
const FAST = { backoff: { baseMs: 10, maxMs: 50 } };

let sim: RunningSimulator;

before(async () => {
  sim = await startSimulator({ port: 0 });
  await mustAdmin(sim.adminUrl, "PUT", ORDERS);
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/events/partitions", {
    body: "3",
  });
});

after(() => sim.close());

function source(s: RunningSimulator, auth: AuthProvider = noAuth()): BinaryArrivalSource {
  return new BinaryArrivalSource({
    serviceUrl: s.serviceUrl ?? "",
    auth,
    clock: systemClock,
    codec,
    timing: FAST,
  });
}

function watch(src: BinaryArrivalSource, topic: TopicName, partitions = 0) {
  const statuses = new FrameQueue<ArrivalStatus>();
  const arrivals = new FrameQueue<ArrivalEvent>();
  const sub = src.subscribe(
    topic,
    partitions,
    (e) => arrivals.push(e),
    (s) => statuses.push(s),
  );
  return {
    sub,
    arrivals,
    statuses,
    connected: () => statuses.next((s) => s.kind === "connected", 5000, "connected"),
    disconnected: () => statuses.next((s) => s.kind === "disconnected", 5000, "disconnected"),
  };
}

async function stats(path: string): Promise<{ subscriptions: Record<string, { isDurable?: boolean }> }> {
  const res = await adminCall(sim.adminUrl, "GET", `${path}/stats`);
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body) as { subscriptions: Record<string, { isDurable?: boolean }> };
}

void test("simulator: the tripwire fires once for a burst (one permit), shows as a non-durable subscription, re-arms from latest", async () => {
  const src = source(sim);
  const w = watch(src, orders);
  try {
    await w.connected();
    const subs = Object.entries((await stats(ORDERS)).subscriptions).filter(([n]) =>
      n.startsWith("pps-tripwire-"),
    );
    assert.equal(subs.length, 1);
    assert.equal(subs[0]?.[1].isDurable, false);

    const before = Date.now();
    await sim.control.publish({ topic: "orders", count: 5 });
    const e = await w.arrivals.next();
    assert.equal(e.partition, -1);
    assert.ok(e.publishTime >= before - 1000 && e.publishTime <= Date.now(), String(e.publishTime));
    // The next arming sees the following message, never the 4 left behind the spent permit.
    w.sub.rearm();
    await w.connected();
    await sim.control.publish({ topic: "orders", count: 1, payload: "after" });
    await w.arrivals.next();
    assert.equal(src.counters().messagesReceived, 2);
    assert.equal(src.counters().arrivals, 2);
    // The old non-durable subscription was deleted with its consumer.
    const names = Object.keys((await stats(ORDERS)).subscriptions).filter((n) =>
      n.startsWith("pps-tripwire-"),
    );
    assert.equal(names.length, 1);
  } finally {
    await src.close();
  }
});

void test("simulator: a partitioned topic is armed per partition", async () => {
  const src = source(sim);
  const w = watch(src, events, 3);
  try {
    const parts = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const s = await w.connected();
      if (s.kind === "connected") parts.add(s.partition);
    }
    assert.deepEqual([...parts].sort(), [0, 1, 2]);
    await sim.control.publish({ topic: "events", count: 1 });
    const e = await w.arrivals.next();
    assert.ok(e.partition >= 0 && e.partition < 3);
    assert.equal(src.counters().connections, 1);
  } finally {
    await src.close();
  }
});

void test("simulator: redirect to the second broker, proxy mode, unload and dropped connections all end armed again", async () => {
  const src = source(sim);
  try {
    await sim.control.binaryOwner("orders");
    const w = watch(src, orders);
    await w.connected();
    assert.equal(src.counters().connections, 2, "the service URL and the owner broker");

    await sim.control.unload("orders");
    await w.disconnected();
    await w.connected();

    await sim.control.binary("drop");
    await w.disconnected();
    await w.connected();
    await sim.control.publish({ topic: "orders", count: 1 });
    await w.arrivals.next();
    await w.sub.close();

    await sim.control.reset();
    await sim.control.binaryProxy(true);
    const p = watch(src, orders);
    await p.connected();
    await sim.control.publish({ topic: "orders", count: 1 });
    await p.arrivals.next();
  } finally {
    await sim.control.reset();
    await src.close();
  }
});

void test("simulator: a missing topic is TopicNotFound and stays missing (never created)", async () => {
  const src = source(sim);
  const missing = parseTopicName("persistent://public/default/never-created");
  try {
    const w = watch(src, missing);
    const s = await w.disconnected();
    assert.ok(s.kind === "disconnected" && s.error instanceof TopicNotFoundError, JSON.stringify(s));
    await w.sub.close();
    const res = await adminCall(
      sim.adminUrl,
      "GET",
      "/admin/v2/persistent/public/default/never-created/stats",
    );
    assert.equal(res.status, 404);
  } finally {
    await src.close();
  }
});

void test("simulator with token auth: the JWT is accepted, a wrong one is AuthenticationError", async () => {
  const secret = "binary-secret";
  const tsim = await startSimulator({ port: 0, auth: { mode: "token", secret } });
  const token = signJwt({ sub: "scaler" }, secret);
  const good = source(tsim, inlineTokenAuth(token));
  const bad = source(tsim, inlineTokenAuth(signJwt({ sub: "x" }, "other-secret")));
  try {
    await mustAdmin(tsim.adminUrl, "PUT", ORDERS, { headers: { authorization: `Bearer ${token}` } });
    await watch(good, orders).connected();
    const s = await watch(bad, orders).disconnected();
    assert.ok(s.kind === "disconnected" && s.error instanceof AuthenticationError, JSON.stringify(s));
  } finally {
    await good.close();
    await bad.close();
    await tsim.close();
  }
});
