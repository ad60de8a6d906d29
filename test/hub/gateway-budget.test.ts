import assert from "node:assert/strict";
import { test } from "node:test";
import { CloseCode } from "../../src/contract/close-codes.js";
import { PROTOCOL_VERSION as v } from "../../src/contract/version.js";
import type { HelloFrame } from "../../src/contract/frames.js";
import { sessionBytes } from "../../src/hub/gateway-budget.js";
import { FakeSidecar } from "../support/fake-sidecar.js";
import { TOKEN, key, startGateway } from "./gateway-harness.js";

const keys = (n: number, prefix = "k") => Array.from({ length: n }, (_, i) => key(`${prefix}${i}`));
const hello = (ks: ReturnType<typeof keys>, pod = "p"): HelloFrame => ({
  v,
  type: "hello",
  pod,
  namespace: "default",
  keys: ks,
  sidecarVersion: "test",
});

void test("a session's bytes grow with its keys' text; an empty hello costs the session overhead", () => {
  const one = sessionBytes(hello(keys(1)));
  const ten = sessionBytes(hello(keys(10)));
  assert.ok(one > 12 * 1024 && one < 13 * 1024, `one key: ${one}`);
  assert.ok(ten - one > 9 * 3 * key("k1").topic.length, `ten keys: ${ten}`);
});

void test("hellos over the keys, session or total bound are closed 4007 naming the flag; leaving frees", async (t) => {
  const per = sessionBytes(hello(keys(4)));
  const h = await startGateway({
    limits: {
      maxKeysPerHello: 8,
      maxSessionBytes: sessionBytes(hello(keys(6))),
      maxTotalBytes: 2 * per + 10,
    },
  });
  t.after(() => h.close());
  const refusedWith = async (ks: ReturnType<typeof keys>) => {
    const s = await FakeSidecar.connect(h.url, TOKEN);
    s.send(hello(ks));
    return s.closed;
  };
  const many = await refusedWith(keys(9));
  assert.equal(many.code, CloseCode.overLimit);
  assert.match(many.reason, /9 keys, over 8 \(--gateway-max-keys-per-hello\)/);
  const big = await refusedWith(keys(7));
  assert.equal(big.code, CloseCode.overLimit);
  assert.match(big.reason, /over \d+ \(--gateway-max-session-bytes\)/);

  const a = await FakeSidecar.connect(h.url, TOKEN);
  await a.hello(keys(4, "a"), "a");
  const b = await FakeSidecar.connect(h.url, TOKEN);
  await b.hello(keys(4, "b"), "b");
  assert.equal(h.gateway.heldBytes(), 2 * per);
  const full = await refusedWith(keys(4, "c"));
  assert.equal(full.code, CloseCode.overLimit);
  assert.match(full.reason, /gateway full: .* \(--gateway-max-bytes\)/);

  a.terminate();
  await h.handler.next("left");
  assert.equal(h.gateway.heldBytes(), per, "a session that left holds nothing");
  const c = await FakeSidecar.connect(h.url, TOKEN);
  await c.hello(keys(4, "c"), "c");
  const stats = h.gateway.stats();
  assert.deepEqual(
    [stats.rejected.too_many_keys, stats.rejected.session_too_large, stats.rejected.gateway_full],
    [1, 1, 1],
  );
  // A v1 sidecar gets the v1 code of "too much" (4008) with the same reason.
  const old = await FakeSidecar.connect(h.url, TOKEN);
  old.send({ ...hello(keys(9)), v: 1 });
  const oldClosed = await old.closed;
  assert.equal(oldClosed.code, CloseCode.rateLimited);
  assert.match(oldClosed.reason, /--gateway-max-keys-per-hello/);
});
