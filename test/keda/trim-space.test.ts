import assert from "node:assert/strict";
import { test } from "node:test";
import { trimSpace } from "../../src/keda/trim-space.js";

void test("trimSpace trims what Go's strings.TrimSpace trims, and only that", () => {
  assert.equal(
    trimSpace(" \t\n\v\f\r a b \u0085\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"),
    "a b",
  );
  assert.equal(trimSpace("   "), "");
  assert.equal(trimSpace(""), "");
  // U+FEFF is not white space in Go (JS trim() removes it); U+200B neither.
  assert.equal(trimSpace("\ufeffx\u200b"), "\ufeffx\u200b");
  assert.equal(trimSpace(`${" ".repeat(100_000)}x${" ".repeat(100_000)}`), "x");
});
