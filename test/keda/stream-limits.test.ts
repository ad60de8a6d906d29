import assert from "node:assert/strict";
import { connect } from "node:http2";
import { afterEach, beforeEach, test } from "node:test";
import { status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { perConnectionStreams } from "../../src/keda/stream-limits.js";
import { Latch, eventually } from "../support/latch.js";
import { KEY, META, ref, startHarness, type Harness } from "./harness.js";

const MAX = 3;
let h: Harness;
beforeEach(async () => {
  h = await startHarness({ maxStreams: MAX });
});
afterEach(() => h.close());

const LIMIT_MESSAGE = /3 KEDA streams are open, the maximum is 3 \(--max-streams, env PPS_MAX_STREAMS\)/;

void test("--max-streams: the stream past the bound is RESOURCE_EXHAUSTED naming the limit; unary calls still work; a freed slot is taken", async () => {
  const keda = h.emulator({ errorBackoffMs: 60_000 });
  const held = Array.from({ length: MAX }, (_, i) => keda.watch(ref(META, `so-${i}`)));
  await eventually(() => h.service.openStreams === MAX, 5000, "three streams open");

  const refused = new Latch(1);
  const ends: Array<[number, string]> = [];
  const fourth = keda.watch(ref(META, "so-3"), {
    onEnd: (code, details) => {
      ends.push([code, details]);
      refused.hit();
    },
  });
  await refused.wait(5000, "fourth stream refused");
  assert.equal(ends[0]?.[0], status.RESOURCE_EXHAUSTED);
  assert.match(ends[0]?.[1] ?? "", LIMIT_MESSAGE);
  assert.equal(h.service.openStreams, MAX);
  assert.equal(h.state.watcherCount(KEY), MAX, "the refused stream never subscribed");

  // StreamMetricSpec shares the bound.
  type Spec = { metricSpecs: unknown[] };
  const spec = (keda.client as unknown as Record<string, (r: unknown) => ClientReadableStream<Spec>>)[
    "StreamMetricSpec"
  ]!.call(keda.client, ref(META, "so-spec"));
  const specErr = await new Promise<ServiceError>((resolve) => spec.on("error", resolve));
  assert.equal(specErr.code, status.RESOURCE_EXHAUSTED);
  assert.match(specErr.details, LIMIT_MESSAGE);

  // Unary calls are not streams: still answered.
  h.state.setValue(KEY, 7);
  assert.equal(await keda.isActive(ref()), false);
  const metric = await keda.getMetricSpec(ref());
  assert.equal(metric.metricSpecs.length, 1);

  const text = await h.registry.metrics();
  assert.match(text, /pps_grpc_streams_refused_total\{method="StreamIsActive"\} 1\b/);
  assert.match(text, /pps_grpc_streams_refused_total\{method="StreamMetricSpec"\} 1\b/);
  assert.match(text, /pps_grpc_requests_total\{method="StreamIsActive",code="RESOURCE_EXHAUSTED"\} 1\b/);

  // One stream ends: a new one is accepted.
  fourth.stop();
  held[0]?.stop();
  await eventually(() => h.service.openStreams === MAX - 1, 5000, "one stream ended");
  const lateEnds: number[] = [];
  keda.watch(ref(META, "so-late"), { onEnd: (code) => lateEnds.push(code) });
  await eventually(() => h.state.watcherCount(KEY) === MAX, 5000, "the new stream subscribed");
  assert.equal(h.service.openStreams, MAX);
  assert.deepEqual(lateEnds, [], "the new stream was not refused");
});

void test("each HTTP/2 connection advertises SETTINGS_MAX_CONCURRENT_STREAMS = --max-streams + unary headroom", async () => {
  // Read from the wire: the server's SETTINGS frame as a plain HTTP/2 client receives it.
  const session = connect(`http://${h.address}`);
  try {
    const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve, reject) => {
      session.once("remoteSettings", resolve);
      session.once("error", reject);
    });
    assert.equal(settings.maxConcurrentStreams, perConnectionStreams(MAX));
    assert.equal(perConnectionStreams(MAX), MAX + 100);
  } finally {
    session.close();
  }
});
