import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { startSimulator, type FaultSpec, type RunningSimulator } from "../../src/sim/index.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { eventually } from "../support/latch.js";
import type { Proc } from "../support/programs.js";
import { createSubscription, startHub } from "./process-harness.js";

const TOPIC = "public/default/faulty";
const KEY = `default/persistent://${TOPIC}/workers`;
const STALENESS_MS = 1500;
const ref: ScaledObjectRef = {
  name: "faulty-consumer",
  namespace: "apps",
  scalerMetadata: { scalerAddress: "hub:9090", topic: `persistent://${TOPIC}`, subscription: "workers" },
};

let sim: RunningSimulator;
let hub: { proc: Proc; grpcPort: number; httpPort: number };
let keda: KedaEmulator;
let metricName = "";

before(async () => {
  sim = await startSimulator({ port: 0 });
  await createSubscription(sim, TOPIC, "workers");
  await sim.control.publish({ topic: TOPIC, count: 2 });
  hub = await startHub(sim, [
    ...["--staleness-ms", String(STALENESS_MS), "--first-read-wait-ms", "2000"],
    ...["--fast-poll-ms", "100", "--slow-poll-ms", "300", "--no-arrivals-poll-ms", "300"],
    ...["--error-backoff-base-ms", "100", "--error-backoff-max-ms", "200", "--retry-after-max-ms", "3000"],
    ...["--pulsar-request-timeout-ms", "300"],
  ]);
  keda = new KedaEmulator({ address: `127.0.0.1:${hub.grpcPort}` });
  metricName = (await keda.getMetricSpec(ref)).metricSpecs[0]?.metricName ?? "";
});

after(async () => {
  keda.close();
  await hub.proc.kill();
  await sim.close();
});

type Answer = { value: number } | { code: number; details: string };

async function read(): Promise<Answer> {
  try {
    const res = await keda.getMetrics(ref, metricName);
    return { value: res.metricValues[0]?.metricValueFloat ?? NaN };
  } catch (err) {
    const e = err as ServiceError;
    return { code: e.code, details: e.details };
  }
}

/**
 * With `fault` injected on every stats request: the last good value (2) is served within the
 * staleness bound, UNAVAILABLE (naming the key and the error) after it, never another number;
 * when the fault is cleared, the value comes back.
 */
async function faultCycle(fault: FaultSpec, errorName: RegExp): Promise<void> {
  await eventually(async () => "value" in (await read()), 10_000, "fresh before the fault");
  await sim.control.faults({ count: -1, ...fault });
  const injectedAt = Date.now();
  const first = await read();
  assert.deepEqual(first, { value: 2 }, "within the bound: the last good value");
  const seen: Answer[] = [first];
  let unavailable: { code: number; details: string } | undefined;
  await eventually(
    async () => {
      const a = await read();
      seen.push(a);
      if ("code" in a) unavailable = a;
      return unavailable !== undefined;
    },
    10_000,
    "UNAVAILABLE once the last good value is older than the bound",
  );
  for (const a of seen)
    if ("value" in a) assert.equal(a.value, 2, "never a number other than the last good one");
  assert.equal(unavailable?.code, status.UNAVAILABLE);
  assert.match(unavailable?.details ?? "", new RegExp(`no fresh stats for ${KEY.replace(/[/.]/g, "\\$&")}`));
  assert.match(unavailable?.details ?? "", errorName);
  assert.ok(Date.now() - injectedAt >= STALENESS_MS - 400, "not before the bound (minus one poll)");
  await sim.control.reset();
  await eventually(async () => "value" in (await read()), 10_000, "recovery after the fault ends");
  assert.deepEqual(await read(), { value: 2 });
}

void test("faults: HTTP 500 on stats", { timeout: 30_000 }, async () => {
  await faultCycle({ pathPattern: "/stats", status: 500, kind: "text", body: "boom" }, /ServerError/);
});

void test("faults: 429 with Retry-After", { timeout: 30_000 }, async () => {
  await faultCycle(
    { pathPattern: "/stats", status: 429, retryAfterSeconds: 1, body: "Too many requests" },
    /RateLimitedError/,
  );
});

void test("faults: stats requests hang (request timeout)", { timeout: 30_000 }, async () => {
  await faultCycle({ pathPattern: "/stats", kind: "hang" }, /TimeoutError/);
});
