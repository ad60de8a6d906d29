import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { connectFakeSidecars, type FakeSidecarFleet } from "../support/fake-sidecars.js";
import { rssBytes } from "../support/proc-status.js";
import type { HubProc, SimProc } from "../support/programs.js";
import { fullTopic } from "../support/pulsar.js";
import { sampleSum, scrape } from "../support/scrape.js";
import { decodeSidecarFrame } from "../../src/contract/codec.js";
import { CloseCode } from "../../src/contract/close-codes.js";
import { PROTOCOL_VERSION } from "../../src/contract/version.js";
import type { WatchKey } from "../../src/state/key.js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { FakeSidecar } from "../support/fake-sidecar.js";
import { eventually } from "../support/latch.js";
import { Cluster, TOKEN } from "./harness.js";
import { keyUnderTest, servesValue, type KeyUnderTest } from "./keys.js";

// Bad sidecar frames against a hub process: the offending session is closed with its code, the
// other sessions and KEDA's reads are unaffected. (A peer that never reads while the hub queues
// over maxBufferedBytes for it is closed 4005: test/hub/gateway-timing.test.ts, in process.)

const cluster = new Cluster();
let sim: SimProc;
let hub: HubProc;
let keda: KedaEmulator;
let healthy: KeyUnderTest;
let bystanders: FakeSidecarFleet;
const bystanderClosed: number[] = [];

const key = (topic: string): WatchKey => ({
  cluster: "default",
  topic: fullTopic(topic),
  subscription: "workers",
});

before(async () => {
  sim = await cluster.sim();
  hub = await cluster.hub({
    adminUrl: sim.adminUrl,
    wsUrl: sim.wsUrl,
    extraArgs: ["--lease-timeout-ms", "1000", "--heartbeat-interval-ms", "200"],
  });
  keda = cluster.keda(hub.grpcAddress);
  healthy = await keyUnderTest(sim, keda, "sc-healthy", 4);
  bystanders = await connectFakeSidecars(hub.sidecarUrl, TOKEN, 3, (i) => [key(`bystander-${i}`)]);
  for (const s of bystanders.sidecars) void s.closed.then((c) => bystanderClosed.push(c.code));
});

after(async () => {
  bystanders?.close();
  await healthy?.probe.stop();
  await cluster.close();
  assert.deepEqual(healthy.probe.violations, []);
  assert.ok(healthy.probe.values.length > 0, "the probe read values");
});

/** A session that said hello for `keys`. */
async function session(keys: readonly WatchKey[] = [key("mine")]): Promise<FakeSidecar> {
  const s = await FakeSidecar.connect(hub.sidecarUrl, TOKEN);
  await s.hello(keys);
  return s;
}

async function closedWith(s: FakeSidecar, code: number, what: string): Promise<void> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`${what}: not closed within 5 s`)), 5000).unref(),
  );
  const c = await Promise.race([s.closed, timeout]);
  assert.equal(c.code, code, `${what}: close code (${c.reason})`);
}

const v = PROTOCOL_VERSION;

void test("hand-picked bad frames: each session closed with its code", async () => {
  const cases: Array<[string, (s: FakeSidecar) => void, number]> = [
    ["not JSON", (s) => s.sendRaw("{not json"), CloseCode.invalidFrame],
    ["binary frame", (s) => s.sendRaw(Buffer.from([1, 2, 3]), true), CloseCode.invalidFrame],
    [
      "wrong field type",
      (s) => s.send({ v, type: "heartbeat", sentAt: "yesterday" }),
      CloseCode.invalidFrame,
    ],
    [
      "unknown field",
      (s) => s.send({ v, type: "heartbeat", sentAt: Date.now(), extra: 1 }),
      CloseCode.invalidFrame,
    ],
    ["a hub frame", (s) => s.send({ v, type: "grant", key: key("mine") }), CloseCode.invalidFrame],
    [
      "oversized (70 KB)",
      (s) => s.sendRaw(JSON.stringify({ v, type: "heartbeat", pad: "x".repeat(70_000) })),
      CloseCode.tooLarge,
    ],
    [
      "unknown version",
      (s) => s.send({ v: 99, type: "heartbeat", sentAt: Date.now() }),
      CloseCode.unsupportedVersion,
    ],
    [
      "report for an unannounced key",
      (s) =>
        s.send({
          v,
          type: "arrival",
          key: key("not-announced"),
          receivedAt: Date.now(),
        }),
      CloseCode.keyNotLeased,
    ],
    [
      "second hello",
      (s) => s.send({ v, type: "hello", pod: "p", namespace: "n", keys: [], sidecarVersion: "x" }),
      CloseCode.helloRequired,
    ],
  ];
  for (const [label, send, code] of cases) {
    const s = await session();
    send(s);
    await closedWith(s, code, label);
  }
});

void test("a flood of frames: closed as rate limited", async () => {
  const s = await session();
  for (let i = 0; i < 3000 && s.ws.readyState === s.ws.OPEN; i++)
    s.send({ v, type: "heartbeat", sentAt: Date.now() });
  await closedWith(s, CloseCode.rateLimited, "flood");
});

void test("a silent peer that stops reading is dropped after the lease timeout", async () => {
  const connected = async () => sampleSum(await scrape(hub.httpPort), "pps_sidecars_connected");
  const before = await connected();
  const s = await session();
  s.stopReading(); // paused: it sees neither frames nor the close, and sends nothing
  await eventually(async () => (await connected()) === before + 1, 5000, "session counted");
  await eventually(async () => (await connected()) === before, 5000, "the hub dropped the silent session");
  s.terminate();
});

void test("generated junk after hello (fast-check): closed with an invalid-frame code", async () => {
  const codes = new Set<number>([
    CloseCode.invalidFrame,
    CloseCode.unsupportedVersion,
    CloseCode.keyNotLeased,
    CloseCode.helloRequired,
    CloseCode.tooLarge,
  ]);
  await fc.assert(
    fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
      const text = JSON.stringify(value);
      let valid = true;
      try {
        decodeSidecarFrame(text);
      } catch {
        valid = false;
      }
      fc.pre(!valid);
      const s = await session();
      s.sendRaw(text);
      const c = await Promise.race([
        s.closed,
        new Promise<{ code: number }>((r) => setTimeout(() => r({ code: -1 }), 5000).unref()),
      ]);
      if (!codes.has(c.code)) throw new Error(`closed ${c.code} for ${text}`);
    }),
    { numRuns: 30 },
  );
});

void test("the others are unaffected: bystander sessions open, KEDA reads served, memory bounded", async () => {
  assert.deepEqual(bystanderClosed, [], "no bystander session was closed");
  assert.ok(bystanders.sidecars.every((s) => s.ws.readyState === s.ws.OPEN));
  await servesValue(keda, healthy, 4);
  const rss = rssBytes(hub.pid);
  assert.ok(rss < 300 * 1024 * 1024, `hub RSS ${Math.round(rss / 1024 / 1024)} MB`);
});
