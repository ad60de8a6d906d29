import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CloseCode } from "../../src/contract/close-codes.js";
import { LIMITS } from "../../src/contract/limits.js";
import { PROTOCOL_VERSION as v } from "../../src/contract/version.js";
import type { HelloFrame } from "../../src/contract/frames.js";
import { sessionBytes } from "../../src/hub/gateway-budget.js";
import { backlogOf, KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import type { WatchKey } from "../../src/state/key.js";
import { FakeSidecar } from "../support/fake-sidecar.js";
import { eventually } from "../support/latch.js";
import { sampleSum, scrape } from "../support/scrape.js";
import { createSubscription, startHub } from "./process-harness.js";

// Issue 11 item 5: hellos of maximal size (256 keys, a frame near 64 KiB) from many sessions at
// once. The gateway admits them until what sessions hold reaches --gateway-max-bytes and closes the
// rest 4007; the hub stays up and keeps answering KEDA.

const TOKEN = "memory-test-token";
const SESSIONS = 48;
const MAX_BYTES = 2 * 1024 * 1024;
const TOPIC = "public/default/orders";
const ref: ScaledObjectRef = {
  name: "consumer",
  namespace: "apps",
  scalerMetadata: { scalerAddress: "hub:9090", topic: `persistent://${TOPIC}`, subscription: "workers" },
};

/** A hello as large as the contract allows: 256 keys whose text fills the 64 KiB frame. */
function maximalHello(i: number): HelloFrame {
  const keys: WatchKey[] = Array.from({ length: LIMITS.maxKeys }, (_, j) => ({
    cluster: "default",
    topic: `persistent://public/default/${"t".repeat(150)}-${i}-${j}`,
    subscription: `s-${i}-${j}`,
  }));
  return { v, type: "hello", pod: `hostile-${i}`, namespace: "apps", keys, sidecarVersion: "x" };
}

let sim: RunningSimulator;
let hub: Awaited<ReturnType<typeof startHub>>;
let keda: KedaEmulator;

before(async () => {
  sim = await startSimulator({ port: 0 });
  await createSubscription(sim, TOPIC, "workers");
  await sim.control.publish({ topic: TOPIC, count: 4 });
  const flags = ["--gateway-max-bytes", String(MAX_BYTES), "--gateway-max-session-bytes", String(256 * 1024)];
  hub = await startHub(sim, flags, { PPS_SIDECAR_TOKEN: TOKEN });
  keda = new KedaEmulator({ address: `127.0.0.1:${hub.grpcPort}` });
});

after(async () => {
  keda?.close();
  await hub?.proc.kill();
  await sim?.close();
});

void test("maximal hellos beyond --gateway-max-bytes are closed 4007; the hub keeps answering KEDA", async () => {
  await eventually(async () => backlogOf((await keda.tick(ref)).metrics ?? { metricValues: [] }) === 4);
  const url = `ws://127.0.0.1:${hub.httpPort}/v1/sidecars`;
  const sidecars = await Promise.all(Array.from({ length: SESSIONS }, () => FakeSidecar.connect(url, TOKEN)));
  sidecars.forEach((s, i) => s.send(maximalHello(i)));
  const per = sessionBytes(maximalHello(0));
  const fit = Math.floor(MAX_BYTES / per);
  // Each session ends up welcomed or closed: wait for every one of them to say which.
  const outcome = await Promise.all(
    sidecars.map((s) =>
      Promise.race([
        s.frames.next((f) => f.type === "welcome", 10_000, "welcome").then(() => "joined" as const),
        s.closed,
      ]),
    ),
  );
  const joined = outcome.filter((o) => o === "joined").length;
  const closed = outcome.filter((o) => o !== "joined");
  assert.equal(joined, fit, `${fit} hellos of ${per} bytes fit in ${MAX_BYTES}`);
  assert.equal(closed.length, SESSIONS - fit);
  for (const c of closed) {
    assert.equal(c.code, CloseCode.overLimit);
    assert.match(c.reason, /gateway full: .*--gateway-max-bytes/);
  }
  const metrics = await scrape(hub.httpPort);
  assert.equal(sampleSum(metrics, "pps_gateway_held_bytes"), fit * per);
  assert.equal(
    sampleSum(metrics, "pps_gateway_rejections_total", { stage: "session", reason: "gateway_full" }),
    SESSIONS - fit,
  );
  assert.equal(backlogOf((await keda.tick(ref)).metrics ?? { metricValues: [] }), 4);
  assert.ok(hub.proc.isRunning());
  for (const s of sidecars) s.terminate();
  await eventually(async () => sampleSum(await scrape(hub.httpPort), "pps_gateway_held_bytes") === 0);
});
