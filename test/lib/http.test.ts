import assert from "node:assert/strict";
import { test } from "node:test";
import { startHubHttp } from "../../src/lib/http.js";
import { createLogger } from "../../src/lib/logger.js";

void test("hub http: readiness, liveness, metrics, 404/405, idempotent close", async () => {
  let ready = false;
  let live = true;
  const http = await startHubHttp({
    host: "127.0.0.1",
    port: 0,
    ready: () => ready,
    live: () => live,
    metrics: () => "# TYPE x counter\nx 1\n",
    logger: createLogger("silent"),
  });
  const base = `http://127.0.0.1:${http.port}`;
  assert.equal((await fetch(`${base}/readyz`)).status, 503);
  ready = true;
  assert.equal((await fetch(`${base}/readyz?verbose=1`)).status, 200);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  live = false;
  assert.equal((await fetch(`${base}/healthz`)).status, 503);
  assert.equal(await (await fetch(`${base}/metrics`)).text(), "# TYPE x counter\nx 1\n");
  assert.equal((await fetch(`${base}/other`)).status, 404);
  assert.equal((await fetch(`${base}/metrics`, { method: "POST" })).status, 405);
  assert.ok(http.server.listening, "the http.Server is exposed (for a WebSocket upgrade handler)");
  const a = http.close();
  assert.equal(http.close(), a);
  await a;
  assert.equal(http.server.listening, false);
});
