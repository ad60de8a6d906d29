import assert from "node:assert/strict";
import { ConfigError } from "../../src/lib/errors.js";

/** The problems of the ConfigError that `fn` throws; fails the test when it throws none, or another error. */
export function configProblems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}
