import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { startSimulator, SimControlError, type RunningSimulator } from "../../src/sim/index.js";
import { Latch } from "../support/latch.js";
import { fixture, request, upgradeStatus, WsClient } from "./helpers.js";

let sim: RunningSimulator;
const STATS = "/admin/v2/persistent/public/default/orders/stats";
before(async () => {
  sim = await startSimulator();
  assert.equal(
    (await request(`${sim.adminUrl}/admin/v2/persistent/public/default/orders`, { method: "PUT" })).status,
    204,
  );
});
beforeEach(async () => {
  await sim.control.reset();
});
after(async () => {
  await sim.close();
});

const stats = () => request(sim.adminUrl + STATS);

test("json fault: status, reason body, Retry-After, then back to normal after count", async () => {
  await sim.control.faults({
    pathPattern: "/orders/stats",
    status: 429,
    kind: "json",
    retryAfterSeconds: 3,
    count: 2,
  });
  for (let i = 0; i < 2; i++) {
    const res = await stats();
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "3");
    assert.deepEqual(res.json(), { reason: "Injected fault" });
  }
  assert.equal((await stats()).status, 200);
});

test("text, html401 and garbage faults look like the broker's non-JSON answers", async () => {
  const errors = fixture<Record<string, unknown>>("error-bodies.json");
  await sim.control.faults({ pathPattern: "/regex/", kind: "text", status: 500 });
  await sim.control.faults({ pathPattern: "/orders\\/st.ts$/", kind: "text", status: 500 });
  const text = await stats();
  assert.equal(text.status, 500);
  assert.match(text.contentType, /text\/plain/);
  assert.match(text.text, /An unexpected error occurred in the server/);
  await sim.control.faults({ pathPattern: "orders", kind: "html401" });
  const html = await stats();
  assert.equal(html.status, 401);
  assert.equal(html.text, errors["401_authentication_filter_text_html"]);
  await sim.control.faults({ pathPattern: "orders", kind: "garbage" });
  const garbage = await stats();
  assert.equal(garbage.status, 200);
  assert.throws(() => garbage.json());
  await sim.control.faults({ pathPattern: "orders", kind: "json", status: 503, body: { custom: true } });
  assert.deepEqual((await stats()).json(), { custom: true });
});

test("hang never answers; drop closes the connection; -1 lasts until reset", async () => {
  await sim.control.faults({ pathPattern: "orders", kind: "hang" });
  await assert.rejects(fetch(sim.adminUrl + STATS, { signal: AbortSignal.timeout(200) }));
  await sim.control.faults({ pathPattern: "orders", kind: "drop", count: -1 });
  await assert.rejects(stats());
  await assert.rejects(stats());
  await sim.control.reset();
  assert.equal((await stats()).status, 200);
});

test("latency delays matching requests", async () => {
  await sim.control.latency(150, "orders");
  const t0 = Date.now();
  assert.equal((await stats()).status, 200);
  assert.ok(Date.now() - t0 >= 140, "delayed");
  await sim.control.latency(0, "orders");
});

test("bad control input is a 400 SimControlError", async () => {
  await assert.rejects(sim.control.faults({ pathPattern: "x", kind: "nope" as "json" }), (err: unknown) => {
    return err instanceof SimControlError && err.status === 400;
  });
});

test("websocket refuse answers 404 on upgrade; normal accepts again", async () => {
  const url = `${sim.wsUrl}/ws/v2/reader/persistent/public/default/orders`;
  await sim.control.websocket("refuse");
  assert.equal(await upgradeStatus(url), 404);
  await sim.control.websocket("normal");
  assert.equal(await upgradeStatus(url), 101);
});

test("websocket faults apply to upgrades too", async () => {
  await sim.control.faults({ pathPattern: "/ws/v2/reader", status: 429 });
  assert.equal(await upgradeStatus(`${sim.wsUrl}/ws/v2/reader/persistent/public/default/orders`), 429);
});

test("websocket drop closes open sessions now", async () => {
  const r = await WsClient.connect(`${sim.wsUrl}/ws/v2/reader/persistent/public/default/orders`);
  const { dropped } = await sim.control.websocket("drop");
  assert.ok((dropped ?? 0) >= 1);
  const closed = await r.closed;
  assert.equal(closed.code, 1006);
});

test("websocket hang: no pongs, no frames, until normal again", async () => {
  const r = await WsClient.connect(`${sim.wsUrl}/ws/v2/reader/persistent/public/default/orders`);
  await sim.control.websocket("hang");
  const pong = new Latch();
  r.ws.on("pong", () => pong.hit());
  r.ws.ping();
  await sim.control.publish({ topic: "orders", count: 1 });
  await assert.rejects(pong.wait(300, "pong while hung"));
  assert.equal(r.frames.all.length, 0);
  await sim.control.websocket("normal");
  await pong.wait(5000, "pong after resume");
  await r.next("message after resume");
  r.close();
});

test("redirect sends admin requests for a topic to another simulator", async () => {
  const owner = await startSimulator();
  try {
    await request(`${owner.adminUrl}/admin/v2/persistent/public/default/moved`, { method: "PUT" });
    await sim.control.redirect({ topicPattern: "/\\/moved$/", to: owner.adminUrl, status: 307 });
    const path = "/admin/v2/persistent/public/default/moved/stats";
    const res = await request(sim.adminUrl + path);
    assert.equal(res.status, 307);
    assert.equal(res.headers.get("location"), owner.adminUrl + path);
    const followed = await fetch(sim.adminUrl + path);
    assert.equal(followed.status, 200);
    assert.equal((await owner.control.requests()).byPath[path], 1);
    assert.equal((await stats()).status, 200, "other topics are not redirected");
  } finally {
    await owner.close();
  }
});

test("request counting covers admin requests only", async () => {
  await sim.control.resetRequests();
  await stats();
  await stats();
  await request(`${sim.adminUrl}/admin/v2/persistent/public/default/orders/partitions`);
  await request(`${sim.adminUrl}/admin/v2/persistent/public/default`);
  await sim.control.publish({ topic: "orders", count: 1 });
  const counts = await sim.control.requests();
  assert.equal(counts.total, 4);
  assert.equal(counts.byPath[STATS], 2);
  assert.equal(counts.byTopic["persistent://public/default/orders"], 3);
  await sim.control.resetRequests();
  assert.equal((await sim.control.requests()).total, 0);
});
