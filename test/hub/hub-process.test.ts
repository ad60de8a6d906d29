import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { packageRoot } from "../../src/lib/package-root.js";
import { KedaEmulator } from "../support/keda-emulator.js";
import { Latch } from "../support/latch.js";
import { documentedMetrics, PROCESS_METRICS, servedMetrics } from "../support/metric-docs.js";

const META = {
  topic: "persistent://public/default/orders",
  subscription: "workers",
  scalerAddress: "hub:9090",
};
const ref = { name: "consumer", namespace: "apps", scalerMetadata: META };

interface Hub {
  readonly child: ChildProcess;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly lines: Array<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
}

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    cwd: packageRoot(),
    env: { ...process.env, POD_NAMESPACE: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Starts the hub and waits for its "hub ready" log line, which carries the bound ports. */
async function startHub(args: string[]): Promise<Hub> {
  const child = cli(args);
  const lines: Array<Record<string, unknown>> = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<{ grpcPort: number; httpPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub not ready: ${JSON.stringify(lines)}`)), 15_000);
    createInterface({ input: child.stdout! }).on("line", (l) => {
      const rec = JSON.parse(l) as Record<string, unknown>;
      lines.push(rec);
      if (rec["msg"] === "hub ready") {
        clearTimeout(timer);
        resolve({ grpcPort: rec["grpcPort"] as number, httpPort: rec["httpPort"] as number });
      }
    });
    void exited.then((code) => reject(new Error(`hub exited with ${code} before ready`)));
  });
  return { child, lines, exited, ...(await ready) };
}

let hub: Hub;
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
after(() => {
  keda.close();
  if (hub.child.exitCode === null) hub.child.kill("SIGKILL");
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
  hub.child.kill("SIGTERM");
  await ended.wait(10_000, "streams ended by shutdown");
  assert.deepEqual(codes, [status.OK, status.OK]);
  assert.equal(await hub.exited, 0);
  assert.ok(hub.lines.some((l) => l["msg"] === "stopped"));
});

void test("hub: --help exits 0; bad configuration exits 2 listing every problem", async () => {
  const help = cli(["hub", "--help"]);
  let out = "";
  help.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  assert.equal(await new Promise((r) => help.once("exit", r)), 0);
  assert.match(out, /--grpc-port/);
  assert.match(out, /PPS_PULSAR_ADMIN_URL/);
  const failing = async (args: string[]): Promise<string> => {
    const bad = cli(["hub", ...args]);
    let err = "";
    bad.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    assert.equal(await new Promise((r) => bad.once("exit", r)), 2);
    return err;
  };
  const flags = await failing(["--grpc-port", "x", "--log-level", "loud"]);
  assert.match(flags, /--grpc-port = "x"/);
  assert.match(flags, /--log-level = "loud"/);
  const together = await failing(["--grpc-tls-cert-file", "c"]);
  assert.match(together, /--grpc-tls-key-file must be set together/);
  assert.match(together, /no Pulsar cluster configured/);
});
