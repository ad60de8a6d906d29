/**
 * docs/check.md's "from a clone" command, run as written (only the admin URL is pointed at a
 * simulator started here): after the README's first command (`npm ci`), `npm run cli -- check ...`
 * must work without a build.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { childEnv } from "../../src/lib/child-process.js";
import { packageRoot } from "../../src/lib/package-root.js";
import { killAll, startSim, type SimProc } from "../support/programs.js";
import { tsxRunner } from "../support/runner.js";

const MARKER = "<!-- check-from-a-clone";

/** The command of the first ```sh block after the marker, continuation lines joined. */
function documentedCommand(markdown: string): string {
  const at = markdown.indexOf(MARKER);
  assert.ok(at >= 0, `docs/check.md has the marker ${MARKER}`);
  const block = /```sh\n([\s\S]*?)```/.exec(markdown.slice(at))?.[1] ?? "";
  return block.replace(/\\\n\s*/g, "").trim();
}

/** Splits a command line on spaces; the documented command has no quotes or shell syntax. */
function words(command: string): string[] {
  assert.doesNotMatch(command, /["'`$|;&<>]/, "a plain command, runnable without a shell");
  return command.split(/\s+/);
}

function run(argv: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd ?? "", args, { cwd: packageRoot(), env: childEnv(process.env) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let sim: SimProc;
before(async () => {
  sim = await startSim(tsxRunner());
});
after(async () => {
  await killAll([sim]);
});

void test("docs/check.md: `npm run cli -- check ...` from a clone answers for a real subscription", async () => {
  const command = documentedCommand(readFileSync(join(packageRoot(), "docs", "check.md"), "utf8"));
  assert.match(command, /^npm run cli -- check /);
  const argv = words(command);
  const url = argv.indexOf("--pulsar-admin-url");
  assert.ok(url > 0, "the command names the admin URL");
  argv[url + 1] = sim.adminUrl;
  const topic = argv.find((w) => w.startsWith("topic="))?.slice("topic=".length) ?? "";
  const sub = argv.find((w) => w.startsWith("subscription="))?.slice("subscription=".length) ?? "";
  const path = topic.replace("://", "/");
  const put = await fetch(`${sim.adminUrl}/admin/v2/${path}/subscription/${sub}`, { method: "PUT" });
  assert.ok(put.ok, `creating ${topic}:${sub} in the simulator: ${put.status}`);

  const r = await run(argv);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^verdict: +OK/m);
  assert.match(r.stdout, new RegExp(`^subscription: +${sub} `, "m"));
});
