import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/lib/errors.js";
import { watchTimings } from "../../src/watch/timings.js";

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

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
