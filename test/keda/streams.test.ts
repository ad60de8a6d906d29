import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { Latch, eventually } from "../support/latch.js";
import { KEY, META, ref, startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const N = 20;

void test("StreamIsActive: exactly one true per activation edge across many streams on one connection", async () => {
  const keda = h.emulator();
  let firstEdge = new Latch(N);
  const pushes: boolean[][] = [];
  const watches = Array.from({ length: N }, (_, i) => {
    pushes[i] = [];
    return keda.watch(ref(META, `so-${i}`), {
      onPush: (r) => {
        pushes[i]?.push(r.result);
        firstEdge.hit();
      },
    });
  });
  await eventually(() => h.state.watcherCount(KEY) === N, 5000, "all streams watching");
  h.state.setActive(KEY, true);
  await firstEdge.wait(5000, "first edge");
  // staying active pushes nothing more; a unary call in between proves the stream had time to deliver
  h.state.setActive(KEY, true);
  await keda.isActive(ref());
  assert.ok(
    pushes.every((p) => p.length === 1 && p[0] === true),
    JSON.stringify(pushes),
  );
  // a deactivation pushes nothing (no false), the next edge pushes one true each
  h.state.setActive(KEY, false);
  firstEdge = new Latch(N);
  h.state.setActive(KEY, true);
  await firstEdge.wait(5000, "second edge");
  await keda.isActive(ref());
  assert.ok(
    pushes.every((p) => p.length === 2 && p.every((v) => v)),
    JSON.stringify(pushes),
  );
  assert.equal(
    watches.reduce((n, w) => n + w.opens, 0),
    N,
    "no stream was reopened",
  );
  assert.match(
    await h.registry.metrics(),
    new RegExp(`pps_grpc_stream_messages_total\\{method="StreamIsActive"\\} ${2 * N}`),
  );
});

void test("StreamIsActive: a stream opened on an active key gets one true at once", async () => {
  h.state.setActive(KEY, true);
  const keda = h.emulator();
  const got = new Latch(1);
  const w = keda.watch(ref(), { onPush: () => got.hit() });
  await got.wait();
  await keda.isActive(ref());
  assert.equal(w.pushes, 1);
});

void test("StreamIsActive: streams survive other streams' cancellation; cancelled ones unsubscribe", async () => {
  const keda = h.emulator();
  const edge = new Latch(6);
  const ws = Array.from({ length: 6 }, (_, i) =>
    keda.watch(ref(META, `so-${i}`), { onPush: () => edge.hit() }),
  );
  await eventually(() => h.state.watcherCount(KEY) === 6);
  for (const w of ws.slice(0, 3)) w.stop();
  await eventually(() => h.state.watcherCount(KEY) === 3, 5000, "cancelled streams unsubscribed");
  await eventually(() => h.service.openStreams === 3);
  const late = [0, 1, 2].map((i) => keda.watch(ref(META, `late-${i}`), { onPush: () => edge.hit() }));
  await eventually(() => h.state.watcherCount(KEY) === 6);
  h.state.setActive(KEY, true);
  await edge.wait();
  await keda.isActive(ref());
  assert.deepEqual(
    [...ws, ...late].map((w) => w.pushes),
    [0, 0, 0, 1, 1, 1, 1, 1, 1],
    "cancelled streams got nothing, surviving and new streams one true each",
  );
});

void test("shutdown ends every stream with status OK, then the emulator waits to reopen", async () => {
  const keda = h.emulator({ reopenDelayMs: 60_000 });
  const ended = new Latch(4);
  const codes: Array<[number, number | undefined]> = [];
  for (let i = 0; i < 4; i++) {
    keda.watch(ref(META, `so-${i}`), {
      onEnd: (code, _d, reopenIn) => {
        codes.push([code, reopenIn]);
        ended.hit();
      },
    });
  }
  await eventually(() => h.service.openStreams === 4);
  await h.server.close(2000);
  await ended.wait(5000, "streams ended");
  assert.deepEqual(
    codes,
    Array.from({ length: 4 }, () => [status.OK, 60_000]),
  );
  assert.equal(h.service.openStreams, 0);
  assert.equal(h.state.watcherCount(KEY), 0);
});

void test("a stream that ends OK is reopened after the delay (KEDA reconnect)", async () => {
  const keda = h.emulator({ reopenDelayMs: 10 });
  const reopened = new Latch(2);
  keda.watch(ref(), { onOpen: () => reopened.hit() });
  await eventually(() => h.service.openStreams === 1);
  h.service.endStreams();
  await reopened.wait(5000, "reopen");
  await eventually(() => h.service.openStreams === 1);
});

void test("StreamIsActive errors: bad metadata INVALID_ARGUMENT, full registry RESOURCE_EXHAUSTED, with backoff", async () => {
  const keda = h.emulator({ errorBackoffMs: 5, maxBackoffMs: 20 });
  const bad = new Latch(3);
  const delays: Array<number | undefined> = [];
  const w = keda.watch(ref({ ...META, topic: "x" }), {
    onEnd: (code, details, reopenIn) => {
      assert.equal(code, status.INVALID_ARGUMENT);
      assert.match(details, /topic/);
      delays.push(reopenIn);
      bad.hit();
    },
  });
  await bad.wait();
  w.stop();
  assert.deepEqual(delays.slice(0, 3), [5, 10, 20]);
  h.state.full = true;
  const full = new Latch(1);
  const w2 = keda.watch(ref(), {
    onEnd: (code) => {
      assert.equal(code, status.RESOURCE_EXHAUSTED);
      full.hit();
    },
  });
  await full.wait();
  w2.stop();
  await eventually(() => h.service.openStreams === 0);
});

void test("StreamMetricSpec sends the spec at open and stays open until cancelled", async () => {
  const keda = h.emulator();
  type Spec = { metricSpecs: Array<{ metricName: string; targetSizeFloat: number }> };
  const call = (keda.client as unknown as Record<string, (r: unknown) => ClientReadableStream<Spec>>)[
    "StreamMetricSpec"
  ]!.call(keda.client, ref());
  const got = new Latch(1);
  const specs: Spec[] = [];
  call.on("data", (s: Spec) => {
    specs.push(s);
    got.hit();
  });
  const cancelled = new Latch(1);
  call.on("error", (e: ServiceError) => {
    if (e.code === status.CANCELLED) cancelled.hit();
  });
  await got.wait();
  assert.equal(specs[0]?.metricSpecs[0]?.targetSizeFloat, 5);
  assert.equal(h.service.openStreams, 1);
  call.cancel();
  await cancelled.wait();
  await eventually(() => h.service.openStreams === 0);
});
