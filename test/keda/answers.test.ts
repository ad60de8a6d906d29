import assert from "node:assert/strict";
import { test } from "node:test";
import { metricSpecOf, metricValueOf } from "../../src/keda/answers.js";
import { parseTriggerMetadata } from "../../src/keda/metadata.js";
import { CLUSTERS, META } from "./harness.js";

const specWith = (msgBacklogThreshold: string) =>
  parseTriggerMetadata({ ...META, msgBacklogThreshold }, CLUSTERS);

void test("answers: targetSize is the threshold rounded, and never 0 for a threshold > 0", () => {
  // KEDA before 2.17 reads only the int field: 0 there would be a target of zero.
  for (const [t, int] of [
    ["0.4", 1],
    ["0.001", 1],
    ["0.5", 1],
    ["1.4", 1],
    ["2.5", 3],
    ["10", 10],
  ] as const) {
    const answer = metricSpecOf(specWith(t));
    assert.equal(answer.targetSize, int, `threshold ${t}`);
    assert.equal(answer.targetSizeFloat, Number(t), `threshold ${t}`);
  }
});

void test("answers: metricValue is the value rounded (a backlog is a count), 0 stays 0", () => {
  const spec = specWith("5");
  assert.deepEqual(metricValueOf(spec, 0), {
    metricName: spec.metricName,
    metricValue: 0,
    metricValueFloat: 0,
  });
  assert.equal(metricValueOf(spec, 41.6).metricValue, 42);
  assert.equal(metricValueOf(spec, 0.4).metricValue, 0);
  assert.equal(metricValueOf(spec, 7).metricValue, 7);
});
