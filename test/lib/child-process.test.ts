import assert from "node:assert/strict";
import { test } from "node:test";
import { childEnv, cliCommand, runProgram, spawnProgram, startProgram } from "../../src/lib/child-process.js";

/** `node -e <script>`: a tiny child program for the launcher's own tests. */
const script = (js: string): string[] => ["-e", js];

void test("children do not inherit PPS_* or POD_* settings", () => {
  const env = childEnv({ PATH: "/bin", PPS_GRPC_PORT: "1", POD_NAMESPACE: "x", HOME: "/h" });
  assert.deepEqual(env, { PATH: "/bin", HOME: "/h" });
});

void test("cliCommand: tsx from source, dist/cli.js when built", () => {
  const src = cliCommand("file:///repo/src/lib/child-process.ts");
  assert.equal(src.cli, "/repo/src/cli.ts");
  assert.equal(src.execArgs[0], "--import");
  const dist = cliCommand("file:///repo/dist/lib/child-process.js");
  assert.deepEqual(dist, { execArgs: [], cli: "/repo/dist/cli.js" });
});

void test("startProgram: resolves on the ready line, keeps the lines, kill waits for the exit", async () => {
  const p = await startProgram({
    name: "echo",
    argv: script(
      'console.log("not json"); console.log(JSON.stringify({msg:"ready",port:7})); console.error("oops"); setInterval(() => {}, 1000);',
    ),
    ready: (r) => r["msg"] === "ready",
    readyTimeoutMs: 10_000,
  });
  assert.equal(p.readyRecord["port"], 7);
  assert.ok(p.startupMs >= 0);
  await p.firstLine((r) => r["stderr"] === "oops", 10_000);
  assert.deepEqual(p.lines[0], { raw: "not json" });
  assert.equal(p.isRunning(), true);
  await p.kill();
  assert.deepEqual(await p.exited, { code: null, signal: "SIGKILL" });
  assert.equal(p.isRunning(), false);
});

void test("startProgram: a program that exits before its ready line rejects, with its last lines", async () => {
  await assert.rejects(
    startProgram({
      name: "quitter",
      argv: script('console.log(JSON.stringify({msg:"bye"})); process.exit(3);'),
      ready: (r) => r["msg"] === "ready",
      readyTimeoutMs: 10_000,
    }),
    /quitter exited \(3\) first; last: .*bye/,
  );
});

void test("stop: SIGTERM first, SIGKILL after the grace; idempotent", async () => {
  const p = spawnProgram({
    name: "stubborn",
    argv: script('process.on("SIGTERM", () => {}); console.log("{}"); setInterval(() => {}, 1000);'),
  });
  await p.firstLine(() => true, 10_000);
  const first = p.stop(50);
  assert.equal(p.stop(50), first);
  await first;
  assert.deepEqual(await p.exited, { code: null, signal: "SIGKILL" });
});

void test("runProgram: exit code and all of stdout and stderr", async () => {
  const r = await runProgram({
    name: "run",
    argv: script('console.log("a"); console.error("b"); process.exit(2);'),
  });
  assert.deepEqual(r, { code: 2, signal: null, stdout: "a\n", stderr: "b\n" });
});
