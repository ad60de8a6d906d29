import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Registry } from "prom-client";
import { startHubHttp } from "../../src/hub/http.js";
import { createLogger } from "../../src/lib/logger.js";

void test("hub http: readiness, liveness, metrics, 404/405, idempotent close", async () => {
  let ready = false;
  let live = true;
  const registry = new Registry();
  new Counter({ name: "x", help: "an x", registers: [registry] }).inc();
  const http = await startHubHttp({
    host: "127.0.0.1",
    port: 0,
    ready: () => ready,
    live: () => live,
    registry,
    logger: createLogger("silent"),
  });
  const base = `http://127.0.0.1:${http.port}`;
  assert.equal((await fetch(`${base}/readyz`)).status, 503);
  ready = true;
  assert.equal((await fetch(`${base}/readyz?verbose=1`)).status, 200);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  live = false;
  assert.equal((await fetch(`${base}/healthz`)).status, 503);
  const metrics = await fetch(`${base}/metrics`);
  assert.equal(metrics.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  assert.equal(await metrics.text(), "# HELP x an x\n# TYPE x counter\nx 1\n");
  assert.equal((await fetch(`${base}/other`)).status, 404);
  assert.equal((await fetch(`${base}/metrics`, { method: "POST" })).status, 405);
  assert.ok(http.server.listening, "the http.Server is exposed (for a WebSocket upgrade handler)");
  const a = http.close();
  assert.equal(http.close(), a);
  await a;
  assert.equal(http.server.listening, false);
});
