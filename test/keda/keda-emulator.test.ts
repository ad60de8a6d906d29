import assert from "node:assert/strict";
import { test } from "node:test";
import { backlogOf } from "../../src/keda/keda-emulator.js";

const value = (metricValue: number, metricValueFloat: number) => ({
  metricValues: [{ metricName: "m", metricValue, metricValueFloat }],
});

void test("backlogOf: the float field, the int one when only that is set, undefined without a value", () => {
  assert.equal(backlogOf(value(3, 2.5)), 2.5);
  assert.equal(backlogOf(value(7, 0)), 7);
  assert.equal(backlogOf(value(0, 0)), 0);
  assert.equal(backlogOf({ metricValues: [] }), undefined, "no value is not a backlog of 0");
});
