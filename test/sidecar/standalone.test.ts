import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { eventually, Latch } from "../support/latch.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { producer, topicWithSubscription } from "./helpers.js";
import { assertSidecarMetrics } from "../support/metric-docs.js";

const META = {
  topic: "persistent://public/default/jobs",
  subscription: "workers",
  msgBacklogThreshold: "5",
  scalerAddress: "127.0.0.1:9090",
};
const ref = { name: "jobs-consumer", namespace: "apps", scalerMetadata: META };

let sim: RunningSimulator;
let sidecar: SidecarProcess;
let keda: KedaEmulator;

before(async () => {
  sim = await startSimulator({ port: 0 });
  await topicWithSubscription(sim, "jobs", "workers");
  sidecar = await startSidecar(
    [
      "--grpc-port",
      "0",
      "--listen-host",
      "127.0.0.1",
      "--http-port",
      "0",
      "--arrival-debounce-ms",
      "5",
      "--fast-poll-ms",
      "100",
      "--shutdown-timeout-ms",
      "2000",
    ],
    { PPS_PULSAR_ADMIN_URL: sim.adminUrl, POD_NAMESPACE: "apps" },
  );
  keda = new KedaEmulator({
    address: `127.0.0.1:${sidecar.ready["grpcPort"] as number}`,
    reopenDelayMs: 60_000,
  });
});

after(async () => {
  keda?.close();
  await sidecar?.kill();
  await sim?.close();
});

void test("standalone: the ready line has the bound ports", () => {
  assert.equal(sidecar.ready["mode"], "standalone");
  assert.equal(typeof sidecar.ready["grpcPort"], "number");
  assert.equal(typeof sidecar.ready["httpPort"], "number");
  assert.deepEqual(sidecar.ready["namespaces"], ["apps"]);
});

void test("standalone: GetMetricSpec, then a publish pushes true on StreamIsActive and GetMetrics returns the backlog", async () => {
  const spec = await keda.getMetricSpec(ref);
  const metricName = spec.metricSpecs[0]?.metricName ?? "";
  assert.match(metricName, /^pulsar-jobs-workers-/);
  assert.equal(spec.metricSpecs[0]?.targetSizeFloat, 5);
  // The first read waits for the first observation: an empty subscription, inactive.
  const first = await keda.getMetrics(ref, metricName);
  assert.equal(first.metricValues[0]?.metricValueFloat, 0);
  assert.equal(await keda.isActive(ref), false);

  const pushes: boolean[] = [];
  const pushed = new Latch(1);
  const opened = new Latch(1);
  keda.watch(ref, {
    onOpen: () => opened.hit(),
    onPush: (res) => {
      pushes.push(res.result);
      pushed.hit();
    },
  });
  await opened.wait(5000, "stream open");
  const jobs = await producer(sim, "jobs");
  let sent = 0;
  try {
    // The arrival reader may still be connecting: publish until the push comes.
    while (pushed.hits === 0) {
      await jobs.send();
      sent++;
      await pushed.wait(100).catch(() => undefined);
    }
  } finally {
    jobs.close();
  }
  assert.deepEqual(pushes, [true]);
  await eventually(
    async () => (await keda.getMetrics(ref, metricName)).metricValues[0]?.metricValueFloat === sent,
    5000,
    `GetMetrics = ${sent}`,
  );
  assert.equal(await keda.isActive(ref), true);
  assert.deepEqual(pushes, [true], "true is pushed once per edge");
});

void test("standalone: ScaledObjects of other namespaces are denied", async () => {
  await assert.rejects(keda.isActive({ ...ref, namespace: "other" }), (err: ServiceError) => {
    assert.equal(err.code, status.PERMISSION_DENIED);
    return true;
  });
});

void test("standalone: /readyz and /metrics", async () => {
  const base = `http://127.0.0.1:${sidecar.ready["httpPort"] as number}`;
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /pps_grpc_requests_total\{method="GetMetrics",code="OK"\}/);
  assertSidecarMetrics(text, "standalone");
});

void test("standalone: SIGTERM ends the stream with OK and exits 0", async () => {
  const ended = new Latch(1);
  const opened = new Latch(1);
  const codes: status[] = [];
  keda.watch(
    { ...ref, name: "second" },
    {
      // The key is active: a stream opening on it gets one `true`, so the server has it.
      onPush: () => opened.hit(),
      onEnd: (code) => {
        codes.push(code);
        ended.hit();
      },
    },
  );
  await opened.wait(5000, "push on the second stream");
  sidecar.child.kill("SIGTERM");
  await ended.wait(5000, "stream end");
  assert.ok(
    codes.every((c) => c === status.OK),
    JSON.stringify(codes),
  );
  assert.deepEqual(await sidecar.exited, { code: 0, signal: null }, sidecar.stderr());
  const errors = sidecar.lines.all.filter((l) => (l["level"] as number) >= 50);
  assert.deepEqual(errors, [], "no error logged");
});
