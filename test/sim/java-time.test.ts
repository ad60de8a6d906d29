import assert from "node:assert/strict";
import { test } from "node:test";
import { javaIsoTime } from "../../src/sim/java-time.js";

test("javaIsoTime drops the fraction's trailing zeros, and the fraction of whole seconds", () => {
  assert.equal(javaIsoTime(Date.parse("2025-10-24T15:58:56.870Z")), "2025-10-24T15:58:56.87Z");
  assert.equal(javaIsoTime(Date.parse("2025-10-24T15:58:56.500Z")), "2025-10-24T15:58:56.5Z");
  assert.equal(javaIsoTime(Date.parse("2025-10-24T15:58:56.000Z")), "2025-10-24T15:58:56Z");
  assert.equal(javaIsoTime(Date.parse("2025-10-24T15:58:57.401Z")), "2025-10-24T15:58:57.401Z");
  assert.equal(javaIsoTime(Date.parse("2025-10-24T15:58:50.100Z")), "2025-10-24T15:58:50.1Z");
});
