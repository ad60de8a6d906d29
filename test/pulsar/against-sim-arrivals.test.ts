import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import WebSocket from "ws";
import {
  ArrivalsUnavailableError,
  AuthenticationError,
  SubscriptionNotFoundError,
  TimeoutError,
} from "../../src/pulsar/errors.js";
import type { ArrivalStatus } from "../../src/pulsar/ports.js";
import type { ArrivalEvent } from "../../src/pulsar/snapshot.js";
import { subscriptionOf } from "../../src/pulsar/subscription-of.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { signJwt, startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { FakeClock } from "../support/fake-clock.js";
import { eventually, Latch } from "../support/latch.js";
import { access, adminCall, makeCerts, mustAdmin, wsArrivals } from "./sim-helpers.js";

const orders = parseTopicName("persistent://public/default/orders");
const events = parseTopicName("persistent://public/default/events");
const ORDERS = "/admin/v2/persistent/public/default/orders";
const FAST = { backoff: { baseMs: 10, maxMs: 50 }, unavailableRetryMs: 100 };

let sim: RunningSimulator;

before(async () => {
  sim = await startSimulator({ port: 0 });
  await mustAdmin(sim.adminUrl, "PUT", ORDERS);
  await mustAdmin(sim.adminUrl, "PUT", `${ORDERS}/subscription/workers`);
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/events/partitions", {
    body: "3",
  });
});

after(() => sim.close());

/** The simulator's raw topic stats (reader- subscriptions included, unlike our parser's snapshot). */
async function rawStats(topic: string): Promise<{
  msgOutCounter: number;
  subscriptions: Record<string, { msgOutCounter: number; durable: boolean }>;
}> {
  const res = await adminCall(sim.adminUrl, "GET", `/admin/v2/persistent/public/default/${topic}/stats`);
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body) as Awaited<ReturnType<typeof rawStats>>;
}

function watch() {
  const events: ArrivalEvent[] = [];
  const statuses: ArrivalStatus[] = [];
  const connected = new Latch(1);
  return {
    events,
    statuses,
    connected,
    /** How many times it said connected (armed). */
    armed: () => statuses.filter((s) => s.kind === "connected").length,
    onArrival: (e: ArrivalEvent) => events.push(e),
    onStatus: (s: ArrivalStatus) => {
      statuses.push(s);
      if (s.kind === "connected") connected.hit();
    },
  };
}

/** A producer on the simulator's WebSocket API; resolves with the send time of each message. */
async function producer(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ send(): number; close(): void }> {
  const ws = new WebSocket(`${url}/ws/v2/producer/persistent/public/default/orders`, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let ctx = 0;
  return {
    send: () => {
      ws.send(
        JSON.stringify({
          payload: Buffer.from("hi").toString("base64"),
          properties: {},
          context: String(++ctx),
        }),
      );
      return Date.now();
    },
    close: () => ws.close(),
  };
}

void test("an arrival is seen within milliseconds of a publish over the WebSocket producer; readers are not subscriptions", async (t) => {
  await sim.control.reset();
  const a = access(sim, { kind: "none" }, {}, { reader: FAST });
  const w = watch();
  const sub = a.arrivals.subscribe(orders, 0, w.onArrival, w.onStatus);
  const p = await producer(sim.wsUrl);
  t.after(async () => {
    p.close();
    await sub.close();
    await a.close();
  });
  await w.connected.wait(3000, "reader connected");
  // Five publishes one after the other, each seen after a re-arm. How fast is a benchmark figure,
  // not a test's: `npm run bench` row "activation | push, hub watcher" times publish to push.
  for (let i = 1; i <= 5; i++) {
    await eventually(() => w.armed() === i, 3000, `armed ${i}`);
    const sentAt = p.send();
    await eventually(() => w.events.length === i, 3000, `arrival ${i}`);
    const e = w.events[i - 1];
    assert.ok(e && e.partition === -1 && e.topic === orders);
    assert.ok(Math.abs(e.publishTime - sentAt) < 1000);
    assert.ok(e.receivedAt >= sentAt);
    sub.rearm();
  }
  const stats = await a.stats.topicStats(orders);
  assert.deepEqual(
    [...stats.subscriptions.keys()],
    ["workers"],
    "the reader's reader-xxxx subscription is dropped",
  );
  assert.ok(subscriptionOf(stats, "workers").msgBacklog >= 1);
});

void test("tripwire: 1,000 messages while armed deliver one; re-armed from latest, the next publish is one arrival", async (t) => {
  await sim.control.reset();
  const a = access(sim, { kind: "none" }, {}, { reader: FAST });
  const w = watch();
  const sub = a.arrivals.subscribe(orders, 0, w.onArrival, w.onStatus);
  t.after(async () => {
    await sub.close();
    await a.close();
  });
  await w.connected.wait(3000);
  const before = (await rawStats("orders")).msgOutCounter;
  await sim.control.publish({ topic: "persistent://public/default/orders", count: 1000 });
  await eventually(() => w.events.length === 1, 3000, "fired");
  // The spent reader closed itself: once its subscription is gone, the broker's count is final.
  await eventually(
    async () => Object.keys((await rawStats("orders")).subscriptions).length === 1,
    3000,
    "the reader's subscription gone",
  );
  const out = (await rawStats("orders")).msgOutCounter - before;
  assert.ok(out >= 1 && out <= 2, `the broker sent the tripwire ${out} messages`);
  sub.rearm();
  await eventually(() => w.armed() === 2, 3000, "re-armed");
  await sim.control.publish({ topic: "persistent://public/default/orders", count: 1 });
  await eventually(() => w.events.length === 2, 3000, "one arrival after the re-arm");
  assert.equal((await rawStats("orders")).msgOutCounter - before, out + 1, "from latest: nothing older read");
  assert.equal(w.events.length, 2);
  assert.equal(wsArrivals(a).counters().badFrames, 0);
});

void test("a non-durable subscription with a backlog never shows up in our snapshot", async (t) => {
  await sim.control.reset();
  const a = access(sim, { kind: "none" }, {}, { reader: FAST });
  const wire = new WebSocket(
    `${sim.wsUrl}/ws/v2/consumer/persistent/public/default/orders/wire?subscriptionMode=NonDurable`,
  );
  const got = new Latch(1);
  wire.on("message", () => got.hit());
  await new Promise<void>((resolve, reject) => {
    wire.once("open", () => resolve());
    wire.once("error", reject);
  });
  t.after(async () => {
    wire.close();
    await a.close();
  });
  await sim.control.publish({ topic: "persistent://public/default/orders", count: 1 });
  await got.wait(3000, "delivered, never acked");
  const raw = (await rawStats("orders")).subscriptions["wire"];
  assert.equal(raw?.durable, false);
  const snap = await a.stats.topicStats(orders);
  assert.deepEqual([...snap.subscriptions.keys()], ["workers"], "the non-durable one is dropped");
  assert.throws(() => subscriptionOf(snap, "wire"), SubscriptionNotFoundError);
});

void test("partitions each get a tripwire, each fires once and re-arms alone", async (t) => {
  await sim.control.reset();
  const a = access(sim, { kind: "none" }, {}, { reader: FAST });
  const pw = watch();
  const psub = a.arrivals.subscribe(events, 3, pw.onArrival, pw.onStatus);
  t.after(async () => {
    await psub.close();
    await a.close();
  });
  await eventually(() => pw.armed() === 3, 3000, "3 partition readers");
  await sim.control.publish({ topic: "persistent://public/default/events", count: 6 });
  await eventually(() => pw.events.length === 3, 3000, "partitioned arrivals");
  assert.deepEqual(pw.events.map((e) => e.partition).sort(), [0, 1, 2]);
  psub.rearm();
  await eventually(() => pw.armed() === 6, 3000, "3 re-armed");
  await sim.control.publish({ topic: "persistent://public/default/events", count: 1 });
  await eventually(() => pw.events.length === 4, 3000, "one more");
  assert.equal(wsArrivals(a).counters().badFrames, 0);
});

void test("a dropped session reconnects and arrivals resume", async (t) => {
  await sim.control.reset();
  const a = access(sim, { kind: "none" }, {}, { reader: FAST });
  const w = watch();
  const sub = a.arrivals.subscribe(orders, 0, w.onArrival, w.onStatus);
  t.after(async () => {
    await sub.close();
    await a.close();
  });
  await w.connected.wait(3000);
  await sim.control.websocket("drop");
  await eventually(() => w.statuses.filter((s) => s.kind === "connected").length === 2, 3000, "reconnected");
  assert.equal(w.statuses[1]?.kind, "disconnected");
  await sim.control.publish({ topic: "persistent://public/default/orders", count: 1 });
  await eventually(() => w.events.length === 1, 3000, "arrival after reconnect");
});

void test("a hung connection is noticed by the liveness ping and replaced", async (t) => {
  await sim.control.reset();
  const a = access(
    sim,
    { kind: "none" },
    {},
    { reader: { ...FAST, pingIntervalMs: 100, pongTimeoutMs: 100 } },
  );
  const w = watch();
  const sub = a.arrivals.subscribe(orders, 0, w.onArrival, w.onStatus);
  t.after(async () => {
    await sub.close();
    await a.close();
    await sim.control.reset();
  });
  await w.connected.wait(3000);
  // That it happens within ping + pong time is stepped on a FakeClock in reader.test.ts.
  await sim.control.websocket("hang");
  await eventually(() => w.statuses.some((s) => s.kind === "disconnected"), 3000, "dead connection noticed");
  const d = w.statuses.find((s) => s.kind === "disconnected");
  assert.ok(d?.kind === "disconnected" && d.error instanceof TimeoutError, String(d?.kind));
  await sim.control.websocket("normal");
  await eventually(() => w.statuses.filter((s) => s.kind === "connected").length >= 2, 3000, "replaced");
});

void test("WebSocket service refused: unavailable once, then recovers when turned on", async (t) => {
  await sim.control.reset();
  await sim.control.websocket("refuse");
  const a = access(sim, { kind: "none" }, {}, { reader: FAST });
  const w = watch();
  const sub = a.arrivals.subscribe(orders, 0, w.onArrival, w.onStatus);
  t.after(async () => {
    await sub.close();
    await a.close();
    await sim.control.reset();
  });
  await eventually(() => w.statuses.length === 1, 3000, "unavailable");
  const s = w.statuses[0];
  assert.ok(s?.kind === "unavailable" && s.error instanceof ArrivalsUnavailableError);
  await eventually(() => wsArrivals(a).counters().connectAttempts >= 4, 3000, "slow retries");
  assert.equal(w.statuses.length, 1, "said once, not at every retry");
  await sim.control.websocket("normal");
  await w.connected.wait(3000, "recovered");
  assert.deepEqual(
    w.statuses.map((x) => x.kind),
    ["unavailable", "connected"],
  );
});

void test("a simulator with --websocket off: the tripwire reports unavailable once and keeps retrying slowly", async (t) => {
  const off = await startSimulator({ port: 0, websocket: false });
  const a = access(off, { kind: "none" }, {}, { reader: FAST });
  const w = watch();
  const sub = a.arrivals.subscribe(orders, 0, w.onArrival, w.onStatus);
  t.after(async () => {
    await sub.close();
    await a.close();
    await off.close();
  });
  await eventually(() => w.statuses.length === 1, 3000, "unavailable");
  const s = w.statuses[0];
  assert.ok(s?.kind === "unavailable" && s.error instanceof ArrivalsUnavailableError, JSON.stringify(s));
  await eventually(() => wsArrivals(a).counters().connectAttempts >= 3, 3000, "slow retries");
  assert.equal(w.statuses.length, 1);
});

void test("an expiring token: the challenged tripwire reconnects with the re-read token and stays armed", async (t) => {
  const secret = "ws-secret";
  const clock = new FakeClock(Date.now());
  const tsim = await startSimulator({ port: 0, auth: { mode: "token", secret }, clock });
  const certs = makeCerts();
  const tokenFile = certs.file("token");
  const exp = Math.floor(clock.now() / 1000) + 60;
  writeFileSync(tokenFile, signJwt({ sub: "r", exp }, secret));
  const a = access(tsim, { kind: "token", tokenFile }, {}, { reader: FAST });
  const w = watch();
  const sub = a.arrivals.subscribe(orders, 0, w.onArrival, w.onStatus);
  t.after(async () => {
    await sub.close();
    await a.close();
    await tsim.close();
    rmSync(certs.dir, { recursive: true, force: true });
  });
  await w.connected.wait(5000, "armed");
  writeFileSync(tokenFile, signJwt({ sub: "r", exp: exp + 3600 }, secret));
  clock.advance(60_000);
  await eventually(() => w.armed() === 2, 5000, "connected again after the challenge");
  assert.deepEqual(
    w.statuses.map((s) => s.kind),
    ["connected", "connected"],
  );
  assert.equal(wsArrivals(a).counters().badFrames, 0);
  await tsim.control.publish({ topic: "persistent://public/default/orders", count: 1 });
  await eventually(() => w.events.length === 1, 3000, "armed with the new token");
});

void test("token, oauth2 and TLS readers authenticate the upgrade", async (t) => {
  const secret = "ws-secret";
  const tsim = await startSimulator({ port: 0, auth: { mode: "token", secret } });
  const osim = await startSimulator({
    port: 0,
    auth: { mode: "oauth2", secret, clientId: "c", clientSecret: "cs" },
  });
  const certs = makeCerts();
  const read = (n: string) => readFileSync(certs.file(n));
  const ssim = await startSimulator({
    port: 0,
    tls: { cert: read("server.pem"), key: read("server.key"), ca: read("ca.pem"), requireClientCert: true },
  });
  const { writeFileSync } = await import("node:fs");
  writeFileSync(
    certs.file("oauth.json"),
    JSON.stringify({
      type: "client_credentials",
      client_id: "c",
      client_secret: "cs",
      issuer_url: osim.adminUrl,
    }),
  );
  const clients = [
    access(tsim, { kind: "token", token: signJwt({ sub: "r" }, secret) }, {}, { reader: FAST }),
    access(osim, { kind: "oauth2", credentialsFile: certs.file("oauth.json") }, {}, { reader: FAST }),
    access(
      ssim,
      { kind: "tls", certFile: certs.file("client.pem"), keyFile: certs.file("client.key") },
      { caFile: certs.file("ca.pem") },
      { reader: FAST },
    ),
  ];
  const wrong = access(tsim, { kind: "token", token: "not-a-jwt" }, {}, { reader: FAST });
  const subs = clients.map((c) => {
    const w = watch();
    return { w, sub: c.arrivals.subscribe(orders, 0, w.onArrival, w.onStatus) };
  });
  const ww = watch();
  const wsub = wrong.arrivals.subscribe(orders, 0, ww.onArrival, ww.onStatus);
  t.after(async () => {
    await Promise.all([...subs.map((s) => s.sub.close()), wsub.close()]);
    await Promise.all([...clients.map((c) => c.close()), wrong.close()]);
    await Promise.all([tsim.close(), osim.close(), ssim.close()]);
    rmSync(certs.dir, { recursive: true, force: true });
  });
  for (const s of subs) await s.w.connected.wait(5000, "authenticated reader");
  await eventually(() => ww.statuses.length >= 1, 3000);
  const first = ww.statuses[0];
  assert.ok(
    first?.kind === "disconnected" && first.error instanceof AuthenticationError,
    JSON.stringify(first),
  );
});
