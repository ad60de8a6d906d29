import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { verifyJwt } from "../../src/sim/index.js";
import { request } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = ["--import", "tsx", "src/cli.ts", "sim"];

test("sim --help lists the flags", () => {
  const out = spawnSync(process.execPath, [...CLI, "--help"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(out.status, 0);
  for (const flag of [
    "--port",
    "--auth",
    "--token-secret",
    "--tls-cert-file",
    "--stats-window-ms",
    "--print-token",
  ]) {
    assert.match(out.stdout, new RegExp(flag));
  }
});

test("sim --print-token prints a token for the configured secret", () => {
  const out = spawnSync(process.execPath, [...CLI, "--token-secret", "s3cret", "--print-token", "alice"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(out.status, 0, out.stderr);
  assert.equal(verifyJwt(out.stdout.trim(), "s3cret", Date.now()).sub, "alice");
});

test("sim --auth token without a secret is a configuration error (exit 2)", () => {
  const out = spawnSync(process.execPath, [...CLI, "--auth", "token", "--port", "0"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(out.status, 2);
  assert.match(out.stderr, /--token-secret/);
});

test("sim prints one ready line with its URLs and exits 0 on SIGTERM", async () => {
  const child = spawn(process.execPath, [...CLI, "--port", "0"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  let ready: { adminUrl: string; wsUrl: string } | undefined;
  for await (const line of lines) {
    const rec = JSON.parse(line) as { msg: string; adminUrl: string; wsUrl: string };
    if (rec.msg === "simulator ready") {
      ready = rec;
      break;
    }
  }
  assert.ok(ready);
  assert.match(ready.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+$/);
  const res = await request(`${ready.adminUrl}/admin/v2/tenants`);
  assert.deepEqual(res.json(), ["public"]);
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
});
