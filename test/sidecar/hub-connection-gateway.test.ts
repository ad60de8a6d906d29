import assert from "node:assert/strict";
import { test } from "node:test";
import { PROTOCOL_VERSION as v } from "../../src/contract/version.js";
import { HubConnection } from "../../sidecar/hub-connection.js";
import { HubRejectedError } from "../../sidecar/hub-errors.js";
import { TOKEN, key, observation, startGateway } from "../hub/gateway-harness.js";
import { Latch } from "../support/latch.js";

void test("both ends together: the real sidecar connection against the real gateway", async (t) => {
  const h = await startGateway({ heartbeatIntervalMs: 50, leaseTimeoutMs: 1000 });
  const conn = new HubConnection({
    url: h.url,
    token: () => TOKEN,
    pod: "consumer-1",
    namespace: "default",
    keys: [key("a")],
    sidecarVersion: "0.1.0",
  });
  t.after(async () => {
    await conn.close();
    await h.close();
  });
  const granted = new Latch();
  conn.on("grant", () => granted.hit());
  conn.start();
  await granted.wait(5000, "grant");
  assert.equal(conn.send({ v, type: "observation", key: key("a"), observation }), true);
  const e = await h.handler.next("observation");
  assert.equal(e.session.pod, "consumer-1");
  assert.deepEqual(e.observation, observation);
  // Heartbeats flow both ways: the gateway hears from the sidecar without any report.
  await h.handler.next("heartbeat");
  await conn.close();
  assert.equal((await h.handler.next("left")).end.code, 1000);
});

void test("a wrong token against the real gateway: disconnected with HubRejectedError(401)", async (t) => {
  const h = await startGateway();
  const conn = new HubConnection({
    url: h.url,
    token: () => "wrong",
    pod: "p",
    namespace: "default",
    keys: [],
    sidecarVersion: "0.1.0",
    backoff: { baseMs: 10_000, maxMs: 10_000 },
  });
  t.after(async () => {
    await conn.close();
    await h.close();
  });
  const error = await new Promise<Error>((resolve) => {
    conn.once("disconnected", (err) => resolve(err));
    conn.start();
  });
  assert.ok(error instanceof HubRejectedError);
  assert.equal(error.status, 401);
});
