import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { packageRoot } from "../../src/lib/package-root.js";
import { GENERATED_DOCS, withConfigTables } from "../../scripts/config-docs.js";

const readme = () => readFileSync(join(packageRoot(), "README.md"), "utf8");

void test("README's configuration tables are the ones generated from the schemas", () => {
  const text = readme();
  assert.equal(
    text,
    withConfigTables(text),
    "README.md is out of date: run `npx tsx scripts/config-docs.ts`",
  );
  assert.match(text, /\| `--grpc-port` \| `PPS_GRPC_PORT` \| `9090` \|/);
});

void test("every generated configuration table in docs/ is the one generated from its schema", () => {
  for (const [file, tables] of Object.entries(GENERATED_DOCS)) {
    const text = readFileSync(join(packageRoot(), file), "utf8");
    assert.equal(
      text,
      withConfigTables(text, tables),
      `${file} is out of date: run \`npx tsx scripts/config-docs.ts\``,
    );
  }
});

void test("README's first two commands set up the demo and the tests, and .ci/run calls the same test command", () => {
  const commands = readme()
    .split("\n")
    .filter((l) => l.startsWith("npm "))
    .slice(0, 2)
    .map((l) => l.replace(/\s+#.*$/, "").trim());
  assert.deepEqual(commands, ["npm ci && npm start", "npm ci && npm test"]);
  const ci = readFileSync(join(packageRoot(), ".ci", "run"), "utf8");
  assert.match(ci, /^npm test$/m, ".ci/run must run the README's test command");
});
