import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { cliArgv, runProgram, startProgram, type ReadyProgram } from "../../src/lib/child-process.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { Latch } from "../support/latch.js";
import { documentedMetrics, PROCESS_METRICS, servedMetrics } from "../support/metric-docs.js";

const META = {
  topic: "persistent://public/default/orders",
  subscription: "workers",
  scalerAddress: "hub:9090",
};
const ref = { name: "consumer", namespace: "apps", scalerMetadata: META };

const env = { ...process.env, POD_NAMESPACE: "" };

/** Runs `pulsar-push-scaler <args>` to its exit. */
const cli = (args: string[]) => runProgram({ name: args.join(" "), argv: cliArgv(args), env });

/** Starts the hub and waits for its "hub ready" log line, which carries the bound ports. */
async function startHub(args: string[]): Promise<{ proc: ReadyProgram; grpcPort: number; httpPort: number }> {
  const proc = await startProgram({
    name: "hub",
    argv: cliArgv(args),
    env,
    ready: (r) => r["msg"] === "hub ready",
    readyTimeoutMs: 15_000,
  });
  return {
    proc,
    grpcPort: proc.readyRecord["grpcPort"] as number,
    httpPort: proc.readyRecord["httpPort"] as number,
  };
}

let hub: Awaited<ReturnType<typeof startHub>>;
let keda: KedaEmulator;

before(async () => {
  hub = await startHub([
    "hub",
    "--grpc-port",
    "0",
    "--http-port",
    "0",
    "--grpc-host",
    "127.0.0.1",
    "--namespaces",
    "apps",
    "--pulsar-admin-url",
    "http://127.0.0.1:1",
    "--shutdown-timeout-ms",
    "3000",
  ]);
  keda = new KedaEmulator({ address: `127.0.0.1:${hub.grpcPort}`, reopenDelayMs: 60_000 });
});
after(async () => {
  keda.close();
  await hub.proc.kill();
});

void test("hub process: /healthz, /readyz and /metrics", async () => {
  const base = `http://127.0.0.1:${hub.httpPort}`;
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  await keda.getMetricSpec(ref);
  const metrics = await fetch(`${base}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get("content-type") ?? "", /text\/plain; version=0\.0\.4/);
  const text = await metrics.text();
  assert.match(text, /pps_grpc_requests_total\{method="GetMetricSpec",code="OK"\} 1/);
  for (const name of PROCESS_METRICS) assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), name);
  assert.deepEqual(
    [...servedMetrics(text)].sort(),
    [...documentedMetrics("hub.md")].sort(),
    "docs/hub.md's metric table lists exactly the metrics the hub registers, with their types",
  );
});

void test("hub process: GetMetricSpec works; with Pulsar unreachable reads are UNAVAILABLE, naming the key and the error", async () => {
  const spec = await keda.getMetricSpec(ref);
  const name = spec.metricSpecs[0]?.metricName ?? "";
  assert.match(name, /^pulsar-orders-workers-/);
  await assert.rejects(keda.getMetrics(ref, name), (err: ServiceError) => {
    assert.equal(err.code, status.UNAVAILABLE);
    assert.match(
      err.details,
      /no stats observed yet for default\/persistent:\/\/public\/default\/orders\/workers/,
    );
    assert.match(err.details, /NetworkError/);
    return true;
  });
  await assert.rejects(keda.isActive({ ...ref, namespace: "other" }), (err: ServiceError) => {
    assert.equal(err.code, status.PERMISSION_DENIED);
    return true;
  });
});

void test("hub process: SIGTERM ends open streams with OK and exits 0", async () => {
  const ended = new Latch(2);
  const codes: number[] = [];
  const opened = new Latch(2);
  for (const name of ["a", "b"]) {
    keda.watch(
      { ...ref, name },
      {
        onOpen: () => opened.hit(),
        onEnd: (code) => {
          codes.push(code);
          ended.hit();
        },
      },
    );
  }
  await opened.wait();
  await keda.isActive(ref).catch(() => undefined); // the streams are established on the server by now
  hub.proc.child.kill("SIGTERM");
  await ended.wait(10_000, "streams ended by shutdown");
  assert.deepEqual(codes, [status.OK, status.OK]);
  assert.equal((await hub.proc.exited).code, 0);
  assert.ok(hub.proc.lines.some((l) => l["msg"] === "stopped"));
});

void test("hub: --help exits 0; bad configuration exits 2 listing every problem", async () => {
  const help = await cli(["hub", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--grpc-port/);
  assert.match(help.stdout, /PPS_PULSAR_ADMIN_URL/);
  const failing = async (args: string[]): Promise<string> => {
    const bad = await cli(["hub", ...args]);
    assert.equal(bad.code, 2);
    return bad.stderr;
  };
  const flags = await failing(["--grpc-port", "x", "--log-level", "loud"]);
  assert.match(flags, /--grpc-port = "x"/);
  assert.match(flags, /--log-level = "loud"/);
  const together = await failing(["--grpc-tls-cert-file", "c"]);
  assert.match(together, /--grpc-tls-key-file must be set together/);
  assert.match(together, /no Pulsar cluster configured/);
});
