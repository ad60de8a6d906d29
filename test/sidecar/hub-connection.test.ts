import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { tokenFromFile } from "../../src/contract/bearer.js";
import { PROTOCOL_VERSION as v } from "../../src/contract/version.js";
import type { WatchKey } from "../../src/state/key.js";
import type { RevokeReason } from "../../sidecar/held-keys.js";
import { HubConnection, type HubConnectionOptions, type WelcomeInfo } from "../../sidecar/hub-connection.js";
import {
  HubClosedError,
  HubProtocolError,
  HubRejectedError,
  HubTimeoutError,
  type HubConnectionError,
} from "../../sidecar/hub-errors.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeHub, type FakeHubOptions } from "../support/fake-hub.js";
import { FrameQueue } from "../support/frame-queue.js";
import { eventually } from "../support/latch.js";

type Ev =
  | { kind: "connected"; welcome: WelcomeInfo }
  | { kind: "grant"; key: WatchKey }
  | { kind: "revoke"; key: WatchKey; reason: RevokeReason }
  | { kind: "disconnected"; error: HubConnectionError; retryInMs: number };

const k = (subscription: string): WatchKey => ({
  cluster: "local",
  topic: "persistent://public/default/orders",
  subscription,
});
const obs = {
  msgBacklog: 1,
  msgBacklogNoDelayed: 1,
  unackedMessages: 0,
  msgRateIn: 0,
  msgRateOut: 0,
  consumers: 0,
  partitions: 0,
  observedAt: 1,
};

async function setup(
  t: { after(fn: () => unknown): void },
  hubOptions: FakeHubOptions = {},
  connOptions: Partial<HubConnectionOptions> = {},
) {
  const clock = new FakeClock();
  const hub = await FakeHub.start({ heartbeatIntervalMs: 1000, leaseTimeoutMs: 5000, ...hubOptions });
  const conn = new HubConnection({
    url: hub.url,
    token: () => "secret",
    pod: "consumer-0",
    namespace: "default",
    keys: [k("a"), k("b")],
    sidecarVersion: "0.1.0",
    clock,
    backoff: { baseMs: 100, maxMs: 1000, random: () => 0 },
    ...connOptions,
  });
  const events = new FrameQueue<Ev>();
  conn.on("connected", (welcome) => events.push({ kind: "connected", welcome }));
  conn.on("grant", (key) => events.push({ kind: "grant", key }));
  conn.on("revoke", (key, reason) => events.push({ kind: "revoke", key, reason }));
  conn.on("disconnected", (error, retryInMs) => events.push({ kind: "disconnected", error, retryInMs }));
  t.after(async () => {
    await conn.close();
    await hub.close();
  });
  const next = async <K extends Ev["kind"]>(kind: K) =>
    (await events.next((e) => e.kind === kind, 5000, kind)) as Extract<Ev, { kind: K }>;
  return { clock, hub, conn, events, next };
}

void test("hello with the keys, grants as events, reports only for granted keys, heartbeats", async (t) => {
  const { clock, hub, conn, next } = await setup(t);
  conn.start();
  const session = await hub.nextSession();
  assert.deepEqual(session.hello, {
    v,
    type: "hello",
    pod: "consumer-0",
    namespace: "default",
    keys: [k("a"), k("b")],
    sidecarVersion: "0.1.0",
  });
  assert.deepEqual((await next("connected")).welcome, {
    sessionId: "s1",
    heartbeatIntervalMs: 1000,
    leaseTimeoutMs: 5000,
  });
  assert.equal(conn.sessionId, "s1");

  session.grant(k("a"));
  session.grant(k("not-announced"));
  assert.deepEqual((await next("grant")).key, k("a"));
  assert.equal(conn.send({ v, type: "observation", key: k("a"), observation: obs }), true);
  assert.equal(conn.send({ v, type: "observation", key: k("b"), observation: obs }), false);
  assert.equal((await session.frames.next((f) => f.type === "observation")).type, "observation");
  assert.equal(
    conn.send({ v, type: "error", key: k("a"), errorClass: "ServerError", message: "é".repeat(2000) }),
    true,
  );
  const e = await session.frames.next((f) => f.type === "error");
  assert.ok(e.type === "error" && Buffer.byteLength(e.message) <= 1024);

  clock.advance(1000);
  assert.equal((await session.frames.next((f) => f.type === "heartbeat")).type, "heartbeat");
  session.revoke(k("a"));
  assert.deepEqual(await next("revoke"), { kind: "revoke", key: k("a"), reason: "hub" });
  assert.equal(conn.holds(k("a")), false);
  assert.equal(conn.stats().droppedNotGranted, 1);
});

void test("reconnects after the hub drops it, announces again, keeps lapsing keys until re-granted", async (t) => {
  const { clock, hub, conn, events, next } = await setup(t);
  conn.start();
  const first = await hub.nextSession();
  first.grant(k("a"));
  first.grant(k("b"));
  await next("grant");
  await next("grant");

  first.drop();
  const d = await next("disconnected");
  assert.ok(d.error instanceof HubClosedError, d.error.name);
  assert.equal(d.retryInMs, 100);
  assert.equal(conn.connected, false);
  assert.equal(conn.send({ v, type: "observation", key: k("a"), observation: obs }), false);
  assert.equal(conn.stats().droppedDisconnected, 1);
  assert.deepEqual(conn.watchedKeys(), [k("a"), k("b")], "watchers keep running while lapsing");

  clock.advance(100);
  const second = await hub.nextSession();
  assert.deepEqual(second.hello?.keys, [k("a"), k("b")]);
  await next("connected");
  assert.equal(conn.holds(k("a")), false, "no report before the new session grants it");
  second.grant(k("a"));
  await eventually(() => conn.holds(k("a")), 5000, "re-granted");
  assert.equal(events.all.filter((e) => e.kind === "grant").length, 2, "a re-grant is silent");

  clock.advance(5000);
  assert.deepEqual(await next("revoke"), { kind: "revoke", key: k("b"), reason: "lapsed" });
  assert.deepEqual(conn.watchedKeys(), [k("a")]);
  assert.equal(conn.stats().connects, 2);
});

void test("a rotated token file is read again on reconnect; 401 is a HubRejectedError", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hub-token-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "token");
  writeFileSync(file, "one\n");
  let expected = "one";
  const { clock, hub, conn, next } = await setup(
    t,
    { token: () => expected },
    { token: tokenFromFile(file) },
  );
  conn.start();
  const first = await hub.nextSession();
  await next("connected");

  expected = "two";
  first.drop();
  await next("disconnected");
  clock.advance(100);
  const refused = await next("disconnected");
  assert.ok(refused.error instanceof HubRejectedError);
  assert.equal(refused.error.status, 401);
  assert.equal(refused.retryInMs, 100, "attempt 1 with random 0 -> base");

  writeFileSync(file, "two\n");
  clock.advance(refused.retryInMs);
  await hub.nextSession();
  await next("connected");
  assert.deepEqual(hub.authorizations, ["Bearer one", "Bearer one", "Bearer two"]);
});

void test("the reconnect backoff never outgrows the last lease timeout (a restarted hub sees it again soon)", async (t) => {
  let expected = "secret";
  const { clock, hub, conn, next } = await setup(
    t,
    { token: () => expected, leaseTimeoutMs: 300 },
    { backoff: { baseMs: 100, maxMs: 10_000, random: () => 0.9999 } },
  );
  conn.start();
  const first = await hub.nextSession();
  await next("connected");
  expected = "rotated"; // every attempt is refused from now on, as while the hub is away
  first.drop();
  const delays = [(await next("disconnected")).retryInMs];
  for (let i = 0; i < 5; i++) {
    clock.advance(delays.at(-1) ?? 0);
    delays.push((await next("disconnected")).retryInMs);
  }
  assert.ok(
    delays.every((d) => d <= 300),
    `every delay within the 300 ms lease timeout: ${delays.join(", ")}`,
  );
  assert.equal(delays.at(-1), 300, "without the cap this attempt would wait about 3.2 s");
});

void test("hub close codes and bad hub frames surface as typed errors, then it reconnects", async (t) => {
  const { clock, hub, conn, next } = await setup(t);
  conn.start();
  const s1 = await hub.nextSession();
  s1.ws.close(4003, "key not leased: x");
  const d1 = await next("disconnected");
  assert.ok(d1.error instanceof HubClosedError);
  assert.equal(d1.error.code, 4003);
  assert.equal(d1.error.reason, "key not leased: x");

  clock.advance(d1.retryInMs);
  const s2 = await hub.nextSession();
  s2.ws.send(JSON.stringify({ v: 9, type: "grant", key: k("a") }));
  const d2 = await next("disconnected");
  assert.ok(d2.error instanceof HubProtocolError);
  assert.deepEqual(await s2.closed, {
    code: 4004,
    reason: "frame.v: unsupported protocol version 9 (supported: 1, 2)",
  });
});

void test("a hub that goes silent is dropped after the lease timeout", async (t) => {
  const { clock, hub, conn, next } = await setup(t);
  conn.start();
  const s = await hub.nextSession();
  await next("connected");
  clock.advance(4999);
  await s.frames.next((f) => f.type === "heartbeat");
  clock.advance(1);
  const d = await next("disconnected");
  assert.ok(d.error instanceof HubTimeoutError, d.error.message);
  assert.match(d.error.message, /no frame from the hub for 5000 ms/);
});

void test("close(): leaves with 1000, revokes every key, stops reconnecting; idempotent", async (t) => {
  const { hub, conn, next, events } = await setup(t);
  conn.start();
  const s = await hub.nextSession();
  s.grant(k("b"));
  await next("grant");
  const p = conn.close();
  assert.equal(conn.close(), p);
  await p;
  assert.deepEqual(await s.closed, { code: 1000, reason: "sidecar leaving" });
  assert.deepEqual(await next("revoke"), { kind: "revoke", key: k("b"), reason: "closed" });
  assert.equal(events.all.filter((e) => e.kind === "disconnected").length, 0);
  assert.equal(conn.send({ v, type: "observation", key: k("b"), observation: obs }), false);
});
