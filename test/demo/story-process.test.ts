import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { cliArgv, runProgram } from "../../src/lib/child-process.js";
import { tempDir } from "../support/temp-dir.js";

/** The demo's own temp folders (tsx keeps its cache in the same TMPDIR). */
const demoDirs = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith("pps-demo-"));

interface Line {
  readonly type: string;
  readonly [k: string]: unknown;
}

void test(
  "demo with no --duration tells the story, prints its figures and exits 0, leaving no temp files",
  { timeout: 90_000 },
  async () => {
    const tmp = tempDir("pps-story-test-");
    const r = await runProgram({
      name: "demo",
      argv: cliArgv(["demo", "--json", "--poll-ms", "200", "--cooldown-ms", "500"]),
      env: { ...process.env, TMPDIR: tmp },
      timeoutMs: 60_000,
    });
    const lines = r.stdout.split("\n").filter((l) => l !== "");
    const dump = `\n${lines.join("\n")}\n${r.stderr}`;
    assert.equal(r.code, 0, dump);
    const events = lines.map((l) => JSON.parse(l) as Line);
    const ready = events[0];
    assert.equal(ready?.type, "ready", dump);
    assert.match(String(ready.statusUrl), /^http:\/\/127\.0\.0\.1:\d+\/status$/, dump);
    const done = events.filter((e) => e.type === "chapter" && e.state === "done");
    assert.equal(done.length, 7, dump);
    const story = events.find((e) => e.type === "story-summary");
    const titles = (story?.chapters as { title: string }[] | undefined)?.map((c) => c.title);
    assert.deepEqual(
      titles,
      [
        "scale from zero",
        "scale out",
        "drain",
        "scale to zero",
        "sidecar failover",
        "Pulsar unreachable",
        "recovery",
      ],
      dump,
    );
    assert.ok(
      events.some((e) => e.type === "unavailable"),
      `KEDA told UNAVAILABLE${dump}`,
    );
    assert.equal(events.at(-1)?.type, "summary", dump);
    assert.deepEqual(demoDirs(tmp), [], "the demo removed its temp files");
  },
);

void test(
  "the readable timeline starts with the status page URL and the Ctrl-C hint",
  { timeout: 60_000 },
  async () => {
    const tmp = tempDir("pps-story-hint-");
    const r = await runProgram({
      name: "demo",
      argv: cliArgv(["demo", "--duration", "1"]),
      env: { ...process.env, TMPDIR: tmp },
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const first = r.stdout.split("\n")[0] ?? "";
    assert.match(first, /status page http:\/\/127\.0\.0\.1:\d+\/status {2}Ctrl-C stops$/);
    assert.deepEqual(demoDirs(tmp), []);
  },
);
