import assert from "node:assert/strict";
import { test } from "node:test";
import { childEnv, cliArgv, runProgram, startProgram } from "../../src/lib/child-process.js";
import { verifyJwt } from "../../src/sim/index.js";
import { request, upgradeAnswer } from "./helpers.js";

/** `pulsar-push-scaler sim <args>` run to its exit. */
const sim = (args: string[]) => runProgram({ name: "sim", argv: cliArgv(["sim", ...args]) });

test("sim --help lists the flags", async () => {
  const out = await sim(["--help"]);
  assert.equal(out.code, 0);
  for (const flag of [
    "--port",
    "--binary-port",
    "--auth",
    "--token-secret",
    "--tls-cert-file",
    "--stats-window-ms",
    "--websocket",
    "--print-token",
  ]) {
    assert.match(out.stdout, new RegExp(flag));
  }
});

test("sim --print-token prints a token for the configured secret", async () => {
  const out = await sim(["--token-secret", "s3cret", "--print-token", "alice"]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(verifyJwt(out.stdout.trim(), "s3cret", Date.now()).sub, "alice");
});

test("sim --auth token without a secret is a configuration error (exit 2)", async () => {
  const out = await sim(["--auth", "token", "--port", "0"]);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /--token-secret/);
});

test("sim prints one ready line with its URLs and exits 0 on SIGTERM", async () => {
  const child = await startProgram({
    name: "sim",
    argv: cliArgv(["sim", "--port", "0", "--binary-port", "0"]),
    ready: (r) => r["msg"] === "simulator ready",
    readyTimeoutMs: 15_000,
  });
  const ready = child.readyRecord as { adminUrl: string; wsUrl: string; serviceUrl: string };
  assert.ok(ready);
  assert.match(ready.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.match(ready.serviceUrl, /^pulsar:\/\/127\.0\.0\.1:\d+$/);
  const res = await request(`${ready.adminUrl}/admin/v2/tenants`);
  assert.deepEqual(res.json(), ["public"]);
  await child.kill("SIGTERM");
  assert.equal((await child.exited).code, 0);
});

test("PPS_SIM_WEBSOCKET=off: the upgrade answers 404 as a broker without the WebSocket service", async () => {
  const child = await startProgram({
    name: "sim",
    argv: cliArgv(["sim", "--port", "0"]),
    env: { ...childEnv(), PPS_SIM_WEBSOCKET: "off" },
    ready: (r) => r["msg"] === "simulator ready",
    readyTimeoutMs: 15_000,
  });
  const ready = child.readyRecord as { adminUrl: string; wsUrl: string; websocket: string };
  assert.equal(ready.websocket, "off");
  const a = await upgradeAnswer(`${ready.wsUrl}/ws/v2/reader/persistent/public/default/orders`);
  assert.equal(a.status, 404);
  assert.match(a.contentType, /text\/html/);
  assert.match(a.body, /HTTP ERROR 404 Not Found/);
  assert.deepEqual(
    (await request(`${ready.adminUrl}/admin/v2/tenants`)).json(),
    ["public"],
    "admin still served",
  );
  await child.kill("SIGTERM");
  assert.equal((await child.exited).code, 0);
});
