import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { demoSchema } from "../../src/demo/config.js";
import { renderConfigTable } from "../../src/lib/config.js";
import { packageRoot } from "../../src/lib/package-root.js";

void test("docs/demo.md lists the flags of the demo's schema", () => {
  const doc = readFileSync(join(packageRoot(), "docs", "demo.md"), "utf8");
  assert.ok(
    doc.includes(renderConfigTable(demoSchema)),
    "docs/demo.md is out of date: run `npx tsx scripts/config-docs.ts`",
  );
});
