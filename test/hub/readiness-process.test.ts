import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { status } from "@grpc/grpc-js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { eventually, Latch } from "../support/latch.js";
import type { Proc } from "../support/programs.js";
import { createSubscription, startHub } from "./process-harness.js";

// Issue 10 item 6: a hub whose only ScaledObject names a wrong subscription stays Ready, so KEDA
// gets the informative UNAVAILABLE (not connection errors), and the hub says why at warn.
const TOPIC = "public/default/orders";
const ref: ScaledObjectRef = {
  name: "typo",
  namespace: "apps",
  scalerMetadata: { scalerAddress: "hub:9090", topic: `persistent://${TOPIC}`, subscription: "wokers" },
};

let sim: RunningSimulator;
let hub: { proc: Proc; grpcPort: number; httpPort: number };
let keda: KedaEmulator;

before(async () => {
  sim = await startSimulator({ port: 0 });
  await createSubscription(sim, TOPIC, "workers");
  hub = await startHub(sim);
  keda = new KedaEmulator({ address: `127.0.0.1:${hub.grpcPort}`, reopenDelayMs: 60_000 });
});

after(async () => {
  keda.close();
  await hub.proc.kill();
  await sim.close();
});

void test(
  "readiness: the only ScaledObject names a wrong subscription: Ready, UNAVAILABLE naming it, one warn",
  { timeout: 30_000 },
  async () => {
    const opened = new Latch(1);
    keda.watch(ref, { onOpen: () => opened.hit() });
    await opened.wait(5000, "stream opened");
    const spec = await keda.getMetricSpec(ref);
    const metric = spec.metricSpecs[0]?.metricName ?? "";
    const err = await keda.getMetrics(ref, metric).then(
      () => assert.fail("a subscription that does not exist has no metric"),
      (e: unknown) => e as { code?: number; details?: string },
    );
    assert.equal(err.code, status.UNAVAILABLE);
    assert.match(
      err.details ?? "",
      /subscription wokers of topic persistent:\/\/public\/default\/orders does not exist/,
    );
    const warned = () =>
      hub.proc.lines.filter((l) => l["level"] === 40 && l["msg"] === "key cannot be served");
    // The readiness check (every second) logs the key once it has seen it failing: after that line,
    // /readyz has been evaluated with the broken key in use.
    await eventually(() => Promise.resolve(warned().length === 1), 5000, "the key logged at warn");
    assert.match(String(warned()[0]?.["key"]), /wokers/);
    assert.match(String(warned()[0]?.["cause"]), /does not exist/);
    const res = await fetch(`http://127.0.0.1:${hub.httpPort}/readyz`);
    assert.equal(res.status, 200, "Pulsar answered (404): the hub stays in its Service");
    assert.equal(warned().length, 1, "once per state change, not per read");
  },
);
