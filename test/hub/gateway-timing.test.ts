import assert from "node:assert/strict";
import { test } from "node:test";
import { PROTOCOL_VERSION as v } from "../../src/contract/version.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeSidecar } from "../support/fake-sidecar.js";
import { eventually } from "../support/latch.js";
import { TOKEN, key, startGateway } from "./gateway-harness.js";

void test("no hello within the deadline: closed 4001", async (t) => {
  const clock = new FakeClock();
  const h = await startGateway({ clock, helloTimeoutMs: 5000 });
  t.after(() => h.close());
  const s = await FakeSidecar.connect(h.url, TOKEN);
  await eventually(() => h.gateway.stats().connectionsOpen === 1, 5000, "connection seen");
  clock.advance(4999);
  clock.advance(1);
  assert.deepEqual(await s.closed, { code: 4001, reason: "no hello within 5000 ms" });
  assert.equal(h.gateway.stats().rejected.hello_timeout, 1);
  assert.equal(h.handler.events.all.length, 0, "left is only called for sessions that joined");
});

void test("the hub sends heartbeats; a sidecar that sends frames stays, a silent one is terminated", async (t) => {
  const clock = new FakeClock();
  const h = await startGateway({ clock, heartbeatIntervalMs: 3000, leaseTimeoutMs: 10_000 });
  t.after(() => h.close());
  const alive = await FakeSidecar.connect(h.url, TOKEN);
  const aliveId = (await alive.hello([key()], "alive")).sessionId;
  const silent = await FakeSidecar.connect(h.url, TOKEN);
  const silentId = (await silent.hello([key()], "silent")).sessionId;

  clock.advance(3000);
  assert.equal((await alive.frames.next((f) => f.type === "heartbeat")).type, "heartbeat");
  for (let i = 0; i < 2; i++) {
    alive.send({ v, type: "heartbeat", sentAt: clock.now() });
    await h.handler.next("heartbeat", aliveId);
    clock.advance(3000);
  }
  clock.advance(4000);
  // 10 s since the silent session's welcome: close frame 4009 then terminated, left(lease_timeout).
  const left = await h.handler.next("left", silentId);
  assert.equal(left.end.cause, "lease_timeout");
  assert.equal(left.end.code, 4009);
  const closed = await silent.closed;
  assert.ok(closed.code === 4009 || closed.code === 1006, `closed with ${closed.code}`);
  // The alive one sent a frame 4 s ago: still open.
  assert.equal(
    h.gateway
      .sessions()
      .map((s) => s.pod)
      .join(),
    "alive",
  );
  clock.advance(6000);
  assert.equal((await h.handler.next("left", aliveId)).end.cause, "lease_timeout");
  assert.equal(h.gateway.stats().rejected.lease_timeout, 2);
});

void test("a peer that never reads is closed when too many bytes are queued for it", async (t) => {
  const h = await startGateway({ maxBufferedBytes: 64 * 1024 }, false);
  t.after(() => h.close());
  const healthy = await FakeSidecar.connect(h.url, TOKEN);
  await healthy.hello([key()]);
  const longKey = key("slow", `persistent://public/default/${"t".repeat(400)}`);
  const slow = await FakeSidecar.connect(h.url, TOKEN);
  const id = (await slow.hello([longKey])).sessionId;
  const session = h.gateway.sessions().find((s) => s.id === id);
  assert.ok(session);
  slow.stopReading();
  let sent = 0;
  while (session.open && sent < 500_000) {
    session.grant(longKey);
    session.revoke(longKey);
    sent += 2;
  }
  assert.equal(session.open, false, `still open after ${sent} frames`);
  const left = await h.handler.next("left", id);
  assert.equal(left.end.cause, "slow_consumer");
  assert.equal(left.end.code, 4005);
  assert.equal(h.gateway.stats().rejected.slow_consumer, 1);
  healthy.send({ v, type: "heartbeat", sentAt: 1 });
  await h.handler.next("heartbeat");
});
