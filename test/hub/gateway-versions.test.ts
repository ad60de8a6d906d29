import assert from "node:assert/strict";
import { test } from "node:test";
import { PROTOCOL_VERSION as v } from "../../src/contract/version.js";
import type { WelcomeFrame } from "../../src/contract/frames.js";
import { FakeSidecar } from "../support/fake-sidecar.js";
import { TOKEN, key, startGateway } from "./gateway-harness.js";

void test("a grant carries the hint it is given, and none when there is none", async (t) => {
  const h = await startGateway({}, false);
  t.after(() => h.close());
  const sidecar = await FakeSidecar.connect(h.url, TOKEN);
  await sidecar.hello([key("a"), key("b")]);
  const j = await h.handler.next("joined");
  j.session.grant(key("a"), { partitioned: true });
  j.session.grant(key("b"));
  const grants = [
    await sidecar.frames.next((f) => f.type === "grant"),
    await sidecar.frames.next((f) => f.type === "grant" && f.key.subscription === "b"),
  ];
  assert.deepEqual(grants, [
    { v, type: "grant", key: key("a"), partitioned: true },
    { v, type: "grant", key: key("b") },
  ]);
});

void test("a v1 sidecar is answered in v1: no grant hint, and its v1 arrivals are taken", async (t) => {
  const h = await startGateway({}, false);
  t.after(() => h.close());
  const sidecar = await FakeSidecar.connect(h.url, TOKEN);
  sidecar.send({ v: 1, type: "hello", pod: "old", namespace: "n", keys: [key()], sidecarVersion: "0.1.0" });
  const welcome = (await sidecar.frames.next((f) => f.type === "welcome")) as WelcomeFrame;
  assert.equal(welcome.v, 1);
  const j = await h.handler.next("joined");
  j.session.grant(key(), { partitioned: true });
  assert.deepEqual(await sidecar.frames.next((f) => f.type === "grant"), { v: 1, type: "grant", key: key() });

  sidecar.send({ v: 1, type: "arrival", key: key(), partition: -1, publishTime: 10, receivedAt: 11 });
  assert.deepEqual((await h.handler.next("arrival", j.session.id)).arrival, { receivedAt: 11 });
  assert.equal(j.session.open, true);
});
