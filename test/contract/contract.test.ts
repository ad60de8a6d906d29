import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  CloseCode,
  FrameError,
  LIMITS,
  PROTOCOL_VERSION,
  closeCodeFor,
  decodeFrame,
  decodeHubFrame,
  decodeSidecarFrame,
  encodeFrame,
  truncateUtf8,
  type Frame,
} from "../../src/contract/index.js";

const key = { cluster: "local", topic: "persistent://public/default/orders", subscription: "workers" };
const obs = {
  msgBacklog: 12,
  msgBacklogNoDelayed: 10,
  unackedMessages: 3,
  msgRateIn: 1.5,
  msgRateOut: 0.25,
  consumers: 2,
  partitions: 0,
  observedAt: 1_700_000_000_000,
};
const v = PROTOCOL_VERSION;
const valid: Frame[] = [
  { v, type: "hello", pod: "consumer-0", namespace: "default", keys: [key], sidecarVersion: "0.1.0" },
  { v, type: "observation", key, observation: obs },
  { v, type: "arrival", key, receivedAt: 1_700_000_000_005 },
  { v, type: "error", key, errorClass: "TimeoutError", message: "stats timed out\nafter 2 s" },
  { v, type: "heartbeat", sentAt: 1_700_000_000_000 },
  { v, type: "welcome", sessionId: "abc", heartbeatIntervalMs: 3000, leaseTimeoutMs: 10_000 },
  { v, type: "grant", key },
  { v, type: "grant", key, partitioned: true },
  { v, type: "revoke", key },
];

function frameError(text: string): FrameError {
  try {
    decodeFrame(text);
  } catch (err) {
    assert.ok(err instanceof FrameError, `not a FrameError: ${String(err)}`);
    return err;
  }
  assert.fail(`decoded: ${text}`);
}

void test("every frame type round-trips through encode and decode", () => {
  for (const f of valid) assert.deepEqual(decodeFrame(encodeFrame(f)), f);
  for (const f of valid) assert.deepEqual(decodeFrame(Buffer.from(encodeFrame(f))), f);
});

void test("direction: a hub frame from a sidecar, and the reverse, are invalid", () => {
  assert.throws(() => decodeSidecarFrame(JSON.stringify(valid[6])), /frame\.type: expected one of hello/);
  assert.throws(() => decodeHubFrame(JSON.stringify(valid[0])), /frame\.type: expected one of welcome/);
  assert.equal(decodeSidecarFrame(JSON.stringify(valid[4])).type, "heartbeat");
});

void test("messages name the field path and what is expected", () => {
  const long = { v, type: "observation", key: { ...key, topic: "t".repeat(513) }, observation: obs };
  const e = frameError(JSON.stringify(long));
  assert.equal(e.problem, "invalid");
  assert.match(
    e.message,
    /^frame\.observation\.key\.topic: expected a non-empty string of at most 512 chars/,
  );

  const neg = { v, type: "observation", key, observation: { ...obs, msgBacklog: -1 } };
  assert.match(
    frameError(JSON.stringify(neg)).message,
    /^frame\.observation\.observation\.msgBacklog: expected an integer/,
  );

  const extra = { v, type: "heartbeat", sentAt: 1, admin: true };
  assert.match(frameError(JSON.stringify(extra)).message, /frame\.heartbeat: unknown field "admin"/);

  const missing = { v, type: "grant" };
  assert.match(
    frameError(JSON.stringify(missing)).message,
    /^frame\.grant\.key: missing, expected an object/,
  );

  const dup = { ...valid[0], keys: [key, key] };
  assert.match(frameError(JSON.stringify(dup)).message, /^frame\.hello\.keys\[1\]: duplicate key/);

  const many = {
    ...valid[0],
    keys: Array.from({ length: 257 }, (_, i) => ({ ...key, subscription: `s${i}` })),
  };
  assert.match(
    frameError(JSON.stringify(many)).message,
    /frame\.hello\.keys: expected an array of at most 256 items/,
  );

  const bigMsg = { ...valid[3], message: "x".repeat(1025) };
  assert.match(
    frameError(JSON.stringify(bigMsg)).message,
    /frame\.error\.message: .*at most 1024 UTF-8 bytes/,
  );

  const ctl = { ...valid[0], pod: "a\u0000b" };
  assert.match(frameError(JSON.stringify(ctl)).message, /frame\.hello\.pod: .*without control characters/);

  assert.match(frameError("[1,2]").message, /^frame: expected an object, got an array/);
  assert.match(frameError('{"v":1,"type":"x"}').message, /^frame\.type: expected one of/);
  assert.match(frameError('{"type":"hello"}').message, /^frame\.v: missing/);
  assert.match(
    frameError('{"v":1,"type":"heartbeat","sentAt":1e400}').message,
    /sentAt: expected an integer/,
  );
});

void test("malformed JSON, unknown versions and oversized text each have their own problem", () => {
  const bad = frameError("{not json");
  assert.equal(bad.problem, "malformed");
  assert.equal(closeCodeFor(bad.problem), CloseCode.invalidFrame);

  const ver = frameError(JSON.stringify({ ...valid[4], v: 7 }));
  assert.equal(ver.problem, "unsupported_version");
  assert.equal(ver.message, "frame.v: unsupported protocol version 7 (supported: 1, 2)");
  assert.equal(closeCodeFor(ver.problem), CloseCode.unsupportedVersion);

  const big = JSON.stringify({ ...valid[3], message: "x".repeat(LIMITS.maxFrameBytes) });
  const e = frameError(big);
  assert.equal(e.problem, "too_large");
  assert.throws(
    () => decodeFrame(Buffer.from("{}"), 1),
    (err: unknown) => err instanceof FrameError,
  );
});

void test("__proto__ in a frame is an unknown field, not a prototype", () => {
  const e = frameError('{"v":1,"type":"heartbeat","sentAt":1,"__proto__":{"polluted":true}}');
  assert.match(e.message, /unknown field "__proto__"/);
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
});

void test("encodeFrame refuses what the other end would reject", () => {
  const bad = { ...valid[2], receivedAt: 1.5 } as Frame;
  assert.throws(
    () => encodeFrame(bad),
    /frame\.arrival\.receivedAt: expected an integer in 0\.\.10000000000000/,
  );
});

void test("truncateUtf8 never splits a character", () => {
  assert.equal(truncateUtf8("abc", 10), "abc");
  assert.equal(truncateUtf8("ééé", 5), "éé");
  assert.equal(Buffer.byteLength(truncateUtf8("€".repeat(100), 123)), 123);
});

const onlyFrameErrors = (run: () => unknown): void => {
  try {
    run();
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
  }
};

void test("property: decodeFrame throws nothing but FrameError on random text", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300, unit: "binary" }), (s) => onlyFrameErrors(() => decodeFrame(s))),
    { numRuns: 1000 },
  );
});

void test("property: decodeFrame throws nothing but FrameError on random JSON values", () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (value) =>
      onlyFrameErrors(() => decodeFrame(JSON.stringify(value) ?? "null")),
    ),
    { numRuns: 2000 },
  );
});

void test("property: mutated valid frames either decode to a valid frame or throw FrameError", () => {
  const mutation = fc.record({
    frame: fc.constantFrom(...valid),
    path: fc.constantFrom(
      "v",
      "type",
      "key",
      "sentAt",
      "keys",
      "observation",
      "message",
      "partition",
      "extra",
    ),
    value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)),
  });
  fc.assert(
    fc.property(mutation, ({ frame, path, value }) => {
      const text = JSON.stringify({ ...frame, [path]: value });
      try {
        const out = decodeFrame(text);
        assert.deepEqual(decodeFrame(encodeFrame(out)), out);
      } catch (err) {
        if (!(err instanceof FrameError)) throw err;
      }
    }),
    { numRuns: 3000 },
  );
});
