import assert from "node:assert/strict";
import { test } from "node:test";
import { h2Garbage } from "../support/attacks/h2-garbage.js";
import { halfOpenStreams, rapidReset, streamFlood } from "../support/attacks/streams.js";
import { openStreams } from "../support/scrape.js";
import { hostileWorld, LIMITS } from "./harness.js";

// The gRPC port's transport attacked by a caller with no credentials (issue 11 items 2 and 9):
// more streams than --max-streams, bytes that are not HTTP/2, rapid reset, and thousands of
// streams opened and cut. After each the hub is up and answers the legitimate ScaledObject with
// the backlog Pulsar has.

const w = hostileWorld();

void test("streams over --max-streams are RESOURCE_EXHAUSTED; cancelled, their slots come back", async () => {
  const extra = 50;
  const r = await streamFlood(w.target, w.valid, LIMITS.maxStreams + extra, extra);
  assert.deepEqual(r.outcomes, { RESOURCE_EXHAUSTED: extra, held: LIMITS.maxStreams });
  await w.assertServing("the stream flood");
  // Every stream was cancelled: a second flood is refused exactly as much.
  const again = await streamFlood(w.target, w.valid, LIMITS.maxStreams + extra, extra);
  assert.deepEqual(again.outcomes, { RESOURCE_EXHAUSTED: extra, held: LIMITS.maxStreams });
});

void test("bytes that are not HTTP/2: each connection gets GOAWAY with the protocol error", async () => {
  const n = 10;
  const r = await h2Garbage(w.target, n);
  assert.deepEqual(r.outcomes, {
    "no preface: GOAWAY INTERNAL_ERROR": n, // what nghttp2 sends for a bad preface
    "oversized frame: GOAWAY FRAME_SIZE_ERROR": n,
    "malformed settings: GOAWAY FRAME_SIZE_ERROR": n,
    "continuation flood: GOAWAY COMPRESSION_ERROR": n,
    "junk frames: GOAWAY FRAME_SIZE_ERROR": n,
  });
  await w.assertServing("garbage HTTP/2");
});

void test("rapid reset: 5,000 HEADERS + RST_STREAM on one connection", async () => {
  const r = await rapidReset(w.target, 5000);
  assert.equal(r.outcomes["reset"], r.sent);
  await w.assertServing("rapid reset");
});

void test("3,000 streams that never send their request, then their connections cut", async () => {
  const perConnection = LIMITS.maxStreams + 100; // the per-connection HTTP/2 bound
  const connections = Math.ceil(3000 / perConnection);
  const r = await halfOpenStreams(w.target, connections, perConnection);
  assert.equal(r.outcomes["held"], connections * perConnection);
  await w.assertServing("half-open streams cut");
  assert.equal(await openStreams(w.target.httpPort), 0, "no stream left open");
});
