import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { createGatewayMetrics } from "../../src/hub/gateway-stats.js";
import { FakeSidecar } from "../support/fake-sidecar.js";
import { TOKEN, key, startGateway } from "./gateway-harness.js";

/** The value of one series of `name` in `registry` (NaN when it does not exist). */
async function value(registry: Registry, name: string, labels: Readonly<Record<string, string>> = {}) {
  const metric = await registry.getSingleMetric(name)?.get();
  const hit = metric?.values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return hit?.value ?? NaN;
}

void test("gateway metrics: every reason starts at 0 and sidecars connected at 0, before any connection", async () => {
  const registry = new Registry();
  createGatewayMetrics(registry);
  assert.equal(await value(registry, "pps_sidecars_connected"), 0);
  assert.equal(
    await value(registry, "pps_gateway_rejections_total", { stage: "upgrade", reason: "unauthorized" }),
    0,
  );
  assert.equal(
    await value(registry, "pps_gateway_rejections_total", { stage: "session", reason: "lease_timeout" }),
    0,
  );
});

void test("gateway metrics: rejections and sessions connected are counted where they happen", async (t) => {
  const registry = new Registry();
  const h = await startGateway({ metrics: createGatewayMetrics(registry) });
  t.after(() => h.close());
  assert.equal(await FakeSidecar.upgradeStatus(h.url, "wrong"), 401);
  assert.equal(
    await value(registry, "pps_gateway_rejections_total", { stage: "upgrade", reason: "unauthorized" }),
    1,
  );

  const a = await FakeSidecar.connect(h.url, TOKEN);
  await a.hello([key()]);
  await h.handler.next("joined");
  assert.equal(await value(registry, "pps_sidecars_connected"), 1);
  a.sendRaw("{nope");
  await h.handler.next("left");
  assert.equal(await value(registry, "pps_sidecars_connected"), 0);
  assert.equal(
    await value(registry, "pps_gateway_rejections_total", { stage: "session", reason: "malformed" }),
    1,
  );
  assert.equal(h.gateway.stats().rejected.malformed, 1, "the stats copy counts the same event");
});
