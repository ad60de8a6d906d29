import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { renderMetrics, startHubHttp } from "../../src/lib/http.js";
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

void test("hub http: /metrics renders family by family exactly what registry.metrics() renders", async () => {
  const registry = new Registry();
  const registers = [registry];
  new Counter({ name: "a_total", help: "a", labelNames: ["k"], registers }).inc({ k: "x" });
  new Gauge({ name: "b", help: "b", registers, collect: () => undefined });
  new Histogram({ name: "c_seconds", help: "c", labelNames: ["k"], buckets: [1], registers }).observe(
    { k: "y" },
    2,
  );
  new Counter({ name: "d_total", help: "d", registers });
  assert.equal(await renderMetrics(registry), await registry.metrics());
  assert.equal(await renderMetrics(new Registry()), await new Registry().metrics());
});
