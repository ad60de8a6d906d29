import assert from "node:assert/strict";
import { copyFileSync, readFileSync, renameSync, rmSync } from "node:fs";
import { request } from "node:https";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { makeCerts, type Certs } from "../support/certs.js";
import type { Proc } from "../support/programs.js";
import { sampleSum } from "../support/scrape.js";
import { tempDir } from "../support/temp-dir.js";
import { createSubscription, startCli, startHub } from "./process-harness.js";
import { isConnect, isGrant } from "./sidecar-harness.js";

// The hub's HTTP port over TLS with a client CA (issue 11 item 8): a sidecar over wss:// with its
// client certificate is granted its key; plain ws://, and an upgrade without a client certificate,
// are refused; probes and /metrics answer over https without one; a rotated certificate is served
// from the next connection on.

const TOPIC = "public/default/tls-orders";
const FULL = `persistent://${TOPIC}`;
const TOKEN = "tls-sidecar-token";
const ref: ScaledObjectRef = {
  name: "tls-so",
  namespace: "apps",
  scalerMetadata: { topic: FULL, subscription: "workers" },
};

const first = makeCerts("sidecar");
const second = makeCerts("sidecar");
const live = tempDir("pps-http-tls-");
const liveFile = (n: string) => `${live}/${n}`;
for (const n of ["server.pem", "server.key", "ca.pem"]) copyFileSync(first.file(n), liveFile(n));

let sim: RunningSimulator;
let hub: { proc: Proc; grpcPort: number; httpPort: number };
let keda: KedaEmulator;
const sidecars: Proc[] = [];

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** GET over https verifying the hub with `certs`' CA, no client certificate. */
function httpsGet(path: string, certs: Certs): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: hub.httpPort, path, ca: readFileSync(certs.file("ca.pem")), agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** A WebSocket upgrade with the right token; resolves with how it ended before any frame. */
function upgrade(url: string, opts: WebSocket.ClientOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${TOKEN}` }, ...opts });
    ws.on("open", () => {
      ws.terminate();
      resolve("open");
    });
    ws.on("unexpected-response", (_req, res) => {
      res.resume();
      ws.terminate();
      resolve(`status ${res.statusCode ?? 0}`);
    });
    ws.on("error", (err) => resolve(`error ${err.message}`));
  });
}

before(async () => {
  sim = await startSimulator({ port: 0 });
  await createSubscription(sim, TOPIC, "workers");
  hub = await startHub(
    sim,
    [
      ...["--http-tls-cert-file", liveFile("server.pem"), "--http-tls-key-file", liveFile("server.key")],
      ...["--http-tls-client-ca-file", liveFile("ca.pem")],
    ],
    { PPS_SIDECAR_TOKEN: TOKEN },
  );
  keda = new KedaEmulator({ address: `127.0.0.1:${hub.grpcPort}` });
});

after(async () => {
  keda?.close();
  await Promise.all(sidecars.map((s) => s.kill()));
  await hub?.proc.kill();
  await sim?.close();
  for (const c of [first, second]) rmSync(c.dir, { recursive: true, force: true });
});

void test("hub ready line says the HTTP port speaks https", () => {
  assert.equal(hub.proc.readyRecord["httpScheme"], "https");
  assert.equal(hub.proc.readyRecord["sidecarClientCerts"], true);
});

void test("a sidecar over wss:// with the hub's CA and a client certificate is granted its key", async () => {
  await keda.tick(ref); // a ScaledObject uses the key: the hub grants it to a sidecar
  const proc = await startCli(
    "tls-sidecar",
    [
      "sidecar",
      ...["--hub-url", `wss://127.0.0.1:${hub.httpPort}/v1/sidecars`, "--pod-name", "tls-sc"],
      ...["--hub-ca-file", first.file("ca.pem")],
      ...["--hub-cert-file", first.file("client.pem"), "--hub-key-file", first.file("client.key")],
      ...["--pod-namespace", "apps", "--watch", `${FULL}:workers`, "--http-port", "off"],
      ...["--pulsar-admin-url", sim.adminUrl],
    ],
    "sidecar ready",
    { PPS_HUB_TOKEN: TOKEN },
  );
  sidecars.push(proc);
  await proc.firstLine(isConnect, 15_000);
  const grant = await proc.firstLine(isGrant, 15_000);
  assert.match(String(grant["key"]), new RegExp(`${FULL}.*workers`));
  const metrics = await httpsGet("/metrics", first);
  assert.equal(metrics.status, 200);
  assert.equal(sampleSum(metrics.body, "pps_sidecars_connected"), 1);
});

void test("plain ws:// to the TLS port is refused at the handshake", async () => {
  const how = await upgrade(`ws://127.0.0.1:${hub.httpPort}/v1/sidecars`);
  assert.match(how, /^error /);
});

void test("wss:// with the token but without a client certificate gets 401", async () => {
  const how = await upgrade(`wss://127.0.0.1:${hub.httpPort}/v1/sidecars`, {
    ca: readFileSync(first.file("ca.pem")),
  });
  assert.equal(how, "status 401");
});

void test("/healthz, /readyz and /metrics answer over https without a client certificate", async () => {
  assert.deepEqual(await httpsGet("/healthz", first), { status: 200, body: "ok\n" });
  const ready = await httpsGet("/readyz", first);
  assert.equal(ready.status, 200);
  const metrics = await httpsGet("/metrics", first);
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /^# HELP /m);
});

void test("a rotated certificate is served from the next connection on", async () => {
  // As a mounted Secret rotates: new files swapped in by rename (new inodes), the CA file kept.
  for (const n of ["server.pem", "server.key"]) {
    copyFileSync(second.file(n), liveFile(`${n}.new`));
    renameSync(liveFile(`${n}.new`), liveFile(n));
  }
  const answer = await httpsGet("/healthz", second);
  assert.equal(answer.status, 200);
  await assert.rejects(httpsGet("/healthz", first), /certificate/i);
  const line = await hub.proc.firstLine((l) => l["msg"] === "HTTP TLS certificate reloaded", 5000);
  assert.equal(line["certFile"], liveFile("server.pem"));
});
