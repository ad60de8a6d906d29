import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTriggerMetadata } from "../../src/keda/metadata.js";
import { ActivationLog, recordingReader } from "../../src/hub/status/activation-log.js";
import { keyId } from "../../src/state/key.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeStateReader } from "../support/fake-state-reader.js";
import { CLUSTERS, META } from "../keda/harness.js";

const spec = parseTriggerMetadata(META, CLUSTERS);
const so = { namespace: "apps", name: "orders" };

void test("each push is logged with its cause, and an arrival's latency to the push", () => {
  const clock = new FakeClock();
  const inner = new FakeStateReader();
  const facts: { lastArrivalAt: number | undefined; observation: { observedAt: number } | undefined } = {
    lastArrivalAt: undefined,
    observation: { observedAt: clock.now() },
  };
  const log = new ActivationLog(2);
  const reader = recordingReader(inner, { keyReport: () => facts }, log, clock);
  const pushes: number[] = [];
  reader.watchActivation(so, spec, () => pushes.push(clock.now()));

  facts.lastArrivalAt = clock.now() + 5;
  clock.advance(12);
  inner.setActive(spec.key, true);
  assert.deepEqual(log.recent(), [
    { at: clock.now(), key: keyId(spec.key), scaledObject: so, cause: "arrival", latencyMs: 7 },
  ]);

  inner.setActive(spec.key, false);
  facts.observation = { observedAt: clock.now() + 1 };
  clock.advance(10);
  inner.setActive(spec.key, true);
  assert.equal(log.recent()[0]?.cause, "backlog");
  assert.equal(log.recent()[0]?.latencyMs, undefined);
  assert.equal(pushes.length, 2, "every activation still reaches the stream");

  // A stream opened on an active key: its first push is logged as such; the ring keeps the newest 2.
  reader.watchActivation({ namespace: "apps", name: "other" }, spec, () => pushes.push(clock.now()));
  assert.deepEqual(
    log.recent().map((r) => [r.scaledObject.name, r.cause]),
    [
      ["other", "stream-open"],
      ["orders", "backlog"],
    ],
  );
});
