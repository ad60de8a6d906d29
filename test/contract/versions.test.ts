import assert from "node:assert/strict";
import { test } from "node:test";
import {
  FrameError,
  PROTOCOL_VERSION,
  SUPPORTED_VERSIONS,
  decodeHubFrame,
  decodeSidecarFrame,
  encodeFrame,
  hubFrameFor,
  type HubFrame,
} from "../../src/contract/index.js";

const key = { cluster: "local", topic: "persistent://public/default/orders", subscription: "workers" };
const v = PROTOCOL_VERSION;

const invalid = (run: () => unknown, message: RegExp): void => {
  assert.throws(
    run,
    (err: unknown) => err instanceof FrameError && err.problem === "invalid" && message.test(err.message),
  );
};

void test("this build speaks v2 and still reads v1", () => {
  assert.equal(PROTOCOL_VERSION, 2);
  assert.deepEqual([...SUPPORTED_VERSIONS], [1, 2]);
});

void test("a v2 arrival carries only receivedAt; a v1 arrival's partition and publishTime are dropped", () => {
  assert.deepEqual(decodeSidecarFrame(JSON.stringify({ v, type: "arrival", key, receivedAt: 5 })), {
    v,
    type: "arrival",
    key,
    receivedAt: 5,
  });
  invalid(
    () => decodeSidecarFrame(JSON.stringify({ v, type: "arrival", key, partition: -1, receivedAt: 5 })),
    /^frame\.arrival: unknown field "partition"/,
  );
  const old = { v: 1, type: "arrival", key, partition: 2, publishTime: 4, receivedAt: 5 };
  assert.deepEqual(decodeSidecarFrame(JSON.stringify(old)), { v: 1, type: "arrival", key, receivedAt: 5 });
  invalid(
    () => decodeSidecarFrame(JSON.stringify({ v: 1, type: "arrival", key, receivedAt: 5 })),
    /^frame\.arrival\.partition: missing/,
  );
});

void test("the grant hint: a boolean when present, absent when unknown, not in v1", () => {
  for (const partitioned of [true, false]) {
    const frame = { v, type: "grant", key, partitioned } as const;
    assert.deepEqual(decodeHubFrame(encodeFrame(frame)), frame);
  }
  const bare = decodeHubFrame(encodeFrame({ v, type: "grant", key, partitioned: undefined }));
  assert.deepEqual(bare, { v, type: "grant", key });
  assert.equal("partitioned" in bare, false, "an absent hint is left out, never undefined");
  for (const bad of ["yes", null, 1]) {
    invalid(
      () => decodeHubFrame(JSON.stringify({ v, type: "grant", key, partitioned: bad })),
      /^frame\.grant\.partitioned: .*true or false/,
    );
  }
  invalid(
    () => decodeHubFrame(JSON.stringify({ v: 1, type: "grant", key, partitioned: true })),
    /^frame\.grant: unknown field "partitioned"/,
  );
});

void test("hubFrameFor: a v1 session gets v1 frames (a grant without its hint)", () => {
  const frames: HubFrame[] = [
    { v, type: "welcome", sessionId: "s", heartbeatIntervalMs: 3000, leaseTimeoutMs: 10_000 },
    { v, type: "grant", key, partitioned: true },
    { v, type: "revoke", key },
    { v, type: "heartbeat", sentAt: 7 },
  ];
  for (const f of frames) assert.equal(hubFrameFor(f, 2), f, "the current version: unchanged");
  const old = frames.map((f) => decodeHubFrame(encodeFrame(hubFrameFor(f, 1))));
  assert.deepEqual(old, [
    { v: 1, type: "welcome", sessionId: "s", heartbeatIntervalMs: 3000, leaseTimeoutMs: 10_000 },
    { v: 1, type: "grant", key },
    { v: 1, type: "revoke", key },
    { v: 1, type: "heartbeat", sentAt: 7 },
  ]);
});
