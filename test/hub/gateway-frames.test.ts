import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { PROTOCOL_VERSION as v } from "../../src/contract/version.js";
import { LIMITS } from "../../src/contract/limits.js";
import { createGatewayMetrics } from "../../src/hub/gateway-stats.js";
import { FakeSidecar } from "../support/fake-sidecar.js";
import { TOKEN, key, observation, startGateway, type Harness } from "./gateway-harness.js";

async function joined(h: Harness, keys = [key()]): Promise<{ sidecar: FakeSidecar; id: string }> {
  const sidecar = await FakeSidecar.connect(h.url, TOKEN);
  const welcome = await sidecar.hello(keys);
  return { sidecar, id: welcome.sessionId };
}

/** A healthy session still reports and is still served. */
async function assertHealthy(h: Harness, s: { sidecar: FakeSidecar; id: string }): Promise<void> {
  s.sidecar.send({ v, type: "observation", key: key(), observation });
  const e = await h.handler.next("observation", s.id);
  assert.equal(e.session.open, true);
}

void test("hello -> welcome, joined, grants, and every report reaches the handler", async (t) => {
  const h = await startGateway({ heartbeatIntervalMs: 1234, leaseTimeoutMs: 5678 });
  t.after(() => h.close());
  const sidecar = await FakeSidecar.connect(h.url, TOKEN);
  const welcome = await sidecar.hello([key("a"), key("b")], "pod-7");
  assert.equal(welcome.heartbeatIntervalMs, 1234);
  assert.equal(welcome.leaseTimeoutMs, 5678);
  const j = await h.handler.next("joined");
  assert.equal(j.session.id, welcome.sessionId);
  assert.equal(j.session.pod, "pod-7");
  assert.deepEqual(j.session.keys, [key("a"), key("b")]);
  assert.deepEqual(await sidecar.frames.next((f) => f.type === "grant"), { v, type: "grant", key: key("a") });
  assert.equal(j.session.holds(key("b")), true);

  sidecar.send({ v, type: "observation", key: key("a"), observation });
  assert.deepEqual((await h.handler.next("observation")).observation, observation);
  sidecar.send({ v, type: "arrival", key: key("b"), receivedAt: 11 });
  assert.deepEqual((await h.handler.next("arrival")).arrival, { receivedAt: 11 });
  sidecar.send({ v, type: "error", key: key("a"), errorClass: "TimeoutError", message: "slow" });
  const err = await h.handler.next("error");
  assert.equal(err.errorClass, "TimeoutError");
  sidecar.send({ v, type: "heartbeat", sentAt: 99 });
  assert.equal((await h.handler.next("heartbeat")).sentAt, 99);

  j.session.revoke(key("a"));
  assert.deepEqual(await sidecar.frames.next((f) => f.type === "revoke"), {
    v,
    type: "revoke",
    key: key("a"),
  });
  assert.equal(j.session.holds(key("a")), false);
  assert.throws(() => j.session.grant(key("zzz")), { name: "KeyNotAnnouncedError" });
  const s = h.gateway.stats();
  assert.equal(s.sessionsOpen, 1);
  assert.deepEqual(s.framesIn, { hello: 1, observation: 1, arrival: 1, error: 1, heartbeat: 1 });
  assert.equal(s.framesOut.grant, 2);
  assert.equal(h.gateway.sessions().length, 1);
});

const badFrames: Array<{ name: string; send: (s: FakeSidecar) => void; code: number; reason: RegExp }> = [
  { name: "malformed JSON", send: (s) => s.sendRaw("{nope"), code: 4002, reason: /^frame: not valid JSON$/ },
  {
    name: "wrong type",
    send: (s) =>
      s.send({ v, type: "observation", key: key(), observation: { ...observation, consumers: "1" } }),
    code: 4002,
    reason: /^frame\.observation\.observation\.consumers: expected an integer/,
  },
  {
    name: "unknown field",
    send: (s) => s.send({ v, type: "heartbeat", sentAt: 1, x: 1 }),
    code: 4002,
    reason: /unknown field "x"/,
  },
  { name: "binary frame", send: (s) => s.sendRaw(Buffer.from("{}"), true), code: 4002, reason: /binary/ },
  {
    name: "hub frame from a sidecar",
    send: (s) => s.send({ v, type: "grant", key: key() }),
    code: 4002,
    reason: /^frame\.type: expected one of hello/,
  },
  {
    name: "unknown version",
    send: (s) => s.send({ v: 3, type: "heartbeat", sentAt: 1 }),
    code: 4004,
    reason: /^frame\.v: unsupported protocol version 3 \(supported: 1, 2\)$/,
  },
  {
    name: "oversized",
    send: (s) => s.sendRaw("x".repeat(LIMITS.maxFrameBytes + 1)),
    code: 1009,
    reason: /^$/,
  },
  {
    name: "unannounced key",
    send: (s) => s.send({ v, type: "observation", key: key("other"), observation }),
    code: 4003,
    reason: /^key not announced: local\/persistent:\/\/public\/default\/orders\/other$/,
  },
  {
    name: "second hello",
    send: (s) => void s.hello([key()]).catch(() => {}),
    code: 4001,
    reason: /hello sent twice/,
  },
];

void test("a bad frame closes that session with its code and reason, and never another", async (t) => {
  const h = await startGateway();
  t.after(() => h.close());
  const healthy = await joined(h);
  for (const bad of badFrames) {
    const s = await joined(h);
    bad.send(s.sidecar);
    const closed = await s.sidecar.closed;
    assert.equal(closed.code, bad.code, bad.name);
    assert.match(closed.reason, bad.reason, bad.name);
    assert.ok(Buffer.byteLength(closed.reason) <= 123);
    const left = await h.handler.next("left", s.id);
    assert.equal(left.end.code, bad.code, bad.name);
    await assertHealthy(h, healthy);
  }
  const r = h.gateway.stats().rejected;
  assert.equal(r.malformed, 1);
  assert.equal(r.invalid, 4);
  assert.equal(r.unsupported_version, 1);
  assert.equal(r.too_large, 1);
  assert.equal(r.key_not_announced, 1);
  assert.equal(r.hello_required, 1);
});

void test("a report before hello closes 4001; a key announced but not granted closes 4003", async (t) => {
  const h = await startGateway({}, false);
  t.after(() => h.close());
  const early = await FakeSidecar.connect(h.url, TOKEN);
  early.send({ v, type: "heartbeat", sentAt: 1 });
  assert.deepEqual(await early.closed, { code: 4001, reason: "expected hello first, got heartbeat" });

  const s = await joined(h);
  s.sidecar.send({ v, type: "arrival", key: key(), receivedAt: 2 });
  assert.deepEqual(await s.sidecar.closed, {
    code: 4003,
    reason: "key not leased: local/persistent://public/default/orders/workers",
  });
  assert.equal((await h.handler.next("left", s.id)).end.cause, "key_not_leased");
  const reports = h.handler.events.all.filter((e) => e.session.id === s.id && e.kind === "arrival");
  assert.deepEqual(reports, [], "a report of a key the session does not hold never reaches the hub");
});

void test("a report racing a revoke is dropped, not fatal", async (t) => {
  const registry = new Registry();
  const h = await startGateway({ metrics: createGatewayMetrics(registry) });
  t.after(() => h.close());
  const s = await joined(h);
  const j = await h.handler.next("joined", s.id);
  j.session.revoke(key());
  s.sidecar.send({ v, type: "observation", key: key(), observation });
  s.sidecar.send({ v, type: "heartbeat", sentAt: 5 });
  await h.handler.next("heartbeat", s.id);
  assert.equal(h.gateway.stats().reportsAfterRevoke, 1);
  const dropped = await registry.getSingleMetric("pps_hub_reports_dropped_total")?.get();
  assert.equal(dropped?.values[0]?.value, 1, "counted in pps_hub_reports_dropped_total");
  assert.equal(j.session.open, true);
  const reports = h.handler.events.all.filter((e) => e.session.id === s.id && e.kind === "observation");
  assert.deepEqual(reports, [], "the late report is dropped before the hub's handler");
});

void test("a flood of frames closes the session 4008", async (t) => {
  const h = await startGateway({ ratePerSecond: 10, rateBurst: 20 });
  t.after(() => h.close());
  const healthy = await joined(h);
  const s = await joined(h);
  for (let i = 0; i < 100; i++) s.sidecar.send({ v, type: "heartbeat", sentAt: i });
  const closed = await s.sidecar.closed;
  assert.equal(closed.code, 4008);
  assert.match(closed.reason, /over 10 frames\/s \(burst 20\)/);
  assert.equal((await h.handler.next("left", s.id)).end.cause, "rate_limited");
  assert.equal(h.gateway.stats().rejected.rate_limited, 1);
  await assertHealthy(h, healthy);
});
