import assert from "node:assert/strict";
import { test } from "node:test";
import { demoSchema, demoSettings } from "../../src/demo/config.js";
import { loadConfig } from "../../src/lib/config.js";
import { ConfigError } from "../../src/lib/errors.js";

void test("demo config: defaults, and parse and cross-field problems in one error", () => {
  const ok = loadConfig(demoSchema, [], {}, demoSettings);
  assert.equal(ok.help, false);
  assert.equal(!ok.help && ok.config.sidecars, 2);
  assert.throws(
    () =>
      loadConfig(
        demoSchema,
        ["--min-replicas", "5", "--max-replicas", "2", "--sidecars", "99"],
        {},
        demoSettings,
      ),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        '--sidecars = "99": expected an integer in 0..8',
        "--max-replicas = 2: expected >= --min-replicas and >= 1",
      ]);
      return true;
    },
  );
});
