import assert from "node:assert/strict";
import { test } from "node:test";
import { cliArgv, runProgram } from "../../src/lib/child-process.js";
import { tempDir } from "../support/temp-dir.js";

interface Line {
  readonly t: number;
  readonly type: string;
  readonly [k: string]: unknown;
}

/** Runs the CLI to completion (killed after `timeoutMs`), collecting stdout lines. */
async function runCli(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  // The demo keeps its logs in a fresh dir under the temp dir: this test's own, removed after it.
  const tmp = tempDir("pps-demo-test-");
  const r = await runProgram({
    name: "demo",
    argv: cliArgv(args),
    env: { ...process.env, TMPDIR: tmp },
    timeoutMs,
  });
  return { code: r.code, lines: r.stdout.split("\n").filter((l) => l !== ""), stderr: r.stderr };
}

void test(
  "demo --duration 10 --json: scale from zero, backlog up and back to zero, exit 0",
  { timeout: 90_000 },
  async () => {
    const { code, lines, stderr } = await runCli(["demo", "--duration", "10", "--json"], 60_000);
    const events = lines.map((l) => JSON.parse(l) as Line);
    const dump = `\n${lines.join("\n")}\n${stderr}`;
    assert.equal(code, 0, dump);
    for (const e of events) {
      assert.equal(typeof e.type, "string", dump);
      assert.equal(typeof e.t, "number", dump);
    }
    assert.equal(events[0]?.type, "ready", dump);
    assert.ok(
      events.some((e) => e.type === "activation" && e.fromZero === true),
      `a scale-from-zero activation${dump}`,
    );
    const up = events.findIndex(
      (e) => e.type === "metrics" && typeof e.backlog === "number" && e.backlog > 0,
    );
    assert.ok(up >= 0, `a backlog above zero${dump}`);
    const down = events.findIndex((e, i) => i > up && e.type === "metrics" && e.backlog === 0);
    assert.ok(down > up, `the backlog back to zero${dump}`);
    assert.ok(
      events.some((e) => e.type === "drained"),
      dump,
    );
    const summary = events.at(-1);
    assert.equal(summary?.type, "summary", dump);
    assert.ok(typeof summary.activations === "number" && summary.activations >= 1, dump);
  },
);
