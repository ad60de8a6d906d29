import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeSidecar } from "../support/fake-sidecar.js";
import { TOKEN, key, startGateway } from "./gateway-harness.js";

void test("upgrade: missing or wrong token gets 401, other paths 404, the token is never logged", async (t) => {
  const h = await startGateway();
  t.after(() => h.close());
  assert.equal(await FakeSidecar.upgradeStatus(h.url, undefined), 401);
  assert.equal(await FakeSidecar.upgradeStatus(h.url, "wrong"), 401);
  assert.equal(await FakeSidecar.upgradeStatus(h.url, `${TOKEN}x`), 401);
  assert.equal(await FakeSidecar.upgradeStatus(h.url.replace("/v1/sidecars", "/v1/other"), TOKEN), 404);
  assert.equal(await FakeSidecar.upgradeStatus(`${h.url}?x=1`, TOKEN), 101);

  const s = h.gateway.stats();
  assert.equal(s.upgradesRejected.unauthorized, 3);
  assert.equal(s.upgradesRejected.not_found, 1);

  const ok = await FakeSidecar.connect(h.url, TOKEN);
  await ok.hello([key()]);
  ok.terminate();
  await h.handler.next("left");
  assert.ok(h.logs.length > 0);
  assert.ok(!h.logs.join("").includes(TOKEN), "token appears in the logs");
});

void test("upgrade: a rotated token applies to the next upgrade; an unreadable one gives 503", async (t) => {
  let current = "first";
  let broken = false;
  const h = await startGateway({
    tokens: () => {
      if (broken) throw new Error("ENOENT: /var/run/token");
      return [{ token: current, namespaces: "all" }];
    },
  });
  t.after(() => h.close());
  assert.equal(await FakeSidecar.upgradeStatus(h.url, "first"), 101);
  current = "second";
  assert.equal(await FakeSidecar.upgradeStatus(h.url, "first"), 401);
  assert.equal(await FakeSidecar.upgradeStatus(h.url, "second"), 101);
  broken = true;
  assert.equal(await FakeSidecar.upgradeStatus(h.url, "second"), 503);
  assert.equal(h.gateway.stats().upgradesRejected.unavailable, 1);
});

void test("close(): sessions end with 1001 and left(shutdown), new upgrades are refused, idempotent", async () => {
  const h = await startGateway();
  const a = await FakeSidecar.connect(h.url, TOKEN);
  await a.hello([key()]);
  const joined = await h.handler.next("joined");
  const first = h.gateway.close();
  assert.equal(h.gateway.close(), first);
  await first;
  assert.deepEqual(await a.closed, { code: 1001, reason: "hub shutting down" });
  const left = await h.handler.next("left");
  assert.equal(left.session.id, joined.session.id);
  assert.equal(left.end.cause, "shutdown");
  assert.equal(joined.session.open, false);
  assert.equal(h.gateway.stats().sessionsOpen, 0);
  await assert.rejects(FakeSidecar.connect(h.url, TOKEN));
  await h.close();
});
