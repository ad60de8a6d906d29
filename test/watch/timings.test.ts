import assert from "node:assert/strict";
import { test } from "node:test";
import { watchTimings } from "../../src/watch/timings.js";
import { configProblems } from "../support/config-problems.js";

const problems = configProblems;

void test("watch timings: the rules between timings, skipped over a value that is bad on its own", () => {
  assert.deepEqual(
    problems(() => watchTimings({ fastPollMs: 2000, slowPollMs: 1000 })),
    ["watch timing slowPollMs = 1000: expected at least watch timing fastPollMs (2000)"],
  );
  assert.deepEqual(
    problems(() => watchTimings({ fastPollMs: 2000, slowPollMs: 0.5 })),
    ["watch timing slowPollMs = 0.5: expected an integer in 1..86400000"],
  );
  assert.equal(watchTimings({ fastPollMs: 1000, slowPollMs: 1000 }).slowPollMs, 1000);
});
