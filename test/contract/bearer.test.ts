import assert from "node:assert/strict";
import { test } from "node:test";
import { bearerHeader, bearerMatches } from "../../src/contract/bearer.js";

const TOKEN = "s3cr3t-token-value";

void test("bearerMatches: exact token only, any length, empty never", () => {
  assert.equal(bearerMatches(`Bearer ${TOKEN}`, TOKEN), true);
  assert.equal(bearerMatches(`bearer ${TOKEN}`, TOKEN), true);
  assert.equal(bearerMatches(`Bearer ${TOKEN}x`, TOKEN), false);
  assert.equal(bearerMatches(`Bearer ${TOKEN.slice(1)}`, TOKEN), false);
  assert.equal(bearerMatches(`Basic ${TOKEN}`, TOKEN), false);
  assert.equal(bearerMatches(undefined, TOKEN), false);
  assert.equal(bearerMatches("Bearer ", ""), false);
  assert.equal(bearerMatches(undefined, ""), false);
});

void test("bearerHeader: what the sidecar sends is what the hub accepts", () => {
  assert.equal(bearerMatches(bearerHeader(TOKEN), TOKEN), true);
});
