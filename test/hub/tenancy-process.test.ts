import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CloseCode } from "../../src/contract/close-codes.js";
import { PROTOCOL_VERSION as v } from "../../src/contract/version.js";
import { backlogOf, KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import type { WatchKey } from "../../src/state/key.js";
import { FakeSidecar } from "../support/fake-sidecar.js";
import { eventually } from "../support/latch.js";
import type { Proc } from "../support/programs.js";
import { sampleSum, scrape } from "../support/scrape.js";
import { tempDir } from "../support/temp-dir.js";
import { createSubscription, startCli } from "./process-harness.js";

// Issue 11 item 4: a sidecar token holder of team-a names team-b, or a cluster the hub does not
// know, or announces team-b's key: it is refused, never granted team-b's key, and the value it
// reports (987654321) is never served to team-b's ScaledObject.

const TOPIC = "public/default/team-b-orders";
const B_KEY: WatchKey = { cluster: "default", topic: `persistent://${TOPIC}`, subscription: "workers" };
const FORGED = 987_654_321;
const refB: ScaledObjectRef = {
  name: "b-consumer",
  namespace: "team-b",
  scalerMetadata: { scalerAddress: "hub:9090", topic: B_KEY.topic, subscription: "workers" },
};
const observation = (msgBacklog: number) => ({
  msgBacklog,
  msgBacklogNoDelayed: msgBacklog,
  unackedMessages: 0,
  msgRateIn: 0,
  msgRateOut: 0,
  consumers: 1,
  partitions: 0,
  observedAt: Date.now(),
});

const dir = tempDir("pps-tenancy-");
let sim: RunningSimulator;
let hub: Proc;
let httpPort: number;
let keda: KedaEmulator;
const url = () => `ws://127.0.0.1:${httpPort}/v1/sidecars`;
const refused = async (reason: string) =>
  sampleSum(await scrape(httpPort), "pps_gateway_rejections_total", { stage: "session", reason });

before(async () => {
  writeFileSync(join(dir, "a.token"), "token-of-team-a\n");
  writeFileSync(join(dir, "b.token"), "token-of-team-b\n");
  writeFileSync(join(dir, "tokens.yaml"), "team-a: a.token\nteam-b: b.token\n");
  sim = await startSimulator({ port: 0 });
  await createSubscription(sim, TOPIC, "workers");
  await sim.control.publish({ topic: TOPIC, count: 3 });
  hub = await startCli(
    "hub",
    [
      "hub",
      ...["--grpc-port", "0", "--http-port", "0", "--grpc-host", "127.0.0.1"],
      ...["--namespaces", "team-a,team-b", "--pulsar-admin-url", sim.adminUrl],
      ...[
        "--sidecar-tokens-file",
        join(dir, "tokens.yaml"),
        "--fast-poll-ms",
        "200",
        "--slow-poll-ms",
        "1000",
      ],
    ],
    "hub ready",
  );
  httpPort = hub.readyRecord["httpPort"] as number;
  keda = new KedaEmulator({ address: `127.0.0.1:${hub.readyRecord["grpcPort"] as number}` });
});

after(async () => {
  keda?.close();
  await hub?.kill();
  await sim?.close();
});

void test("a team-a token cannot speak for team-b: refused hellos, no grant, its value never served", async () => {
  await eventually(async () => backlogOf((await keda.tick(refB)).metrics ?? { metricValues: [] }) === 3);

  const otherNamespace = await FakeSidecar.connect(url(), "token-of-team-a");
  otherNamespace.send({
    v,
    type: "hello",
    pod: "p",
    namespace: "team-b",
    keys: [B_KEY],
    sidecarVersion: "x",
  });
  const c1 = await otherNamespace.closed;
  assert.equal(c1.code, CloseCode.forbidden);
  assert.match(c1.reason, /namespace team-b/);

  const otherCluster = await FakeSidecar.connect(url(), "token-of-team-a");
  const foreign = { ...B_KEY, cluster: "elsewhere" };
  otherCluster.send({
    v,
    type: "hello",
    pod: "p",
    namespace: "team-a",
    keys: [foreign],
    sidecarVersion: "x",
  });
  const c2 = await otherCluster.closed;
  assert.equal(c2.code, CloseCode.forbidden);
  assert.match(c2.reason, /cluster not configured on the hub: elsewhere/);

  // Its own namespace and a configured cluster, but team-b's key: joined, never granted.
  const intruder = await FakeSidecar.connect(url(), "token-of-team-a");
  await intruder.hello([B_KEY], "intruder-0", "team-a");
  const owner = await FakeSidecar.connect(url(), "token-of-team-b");
  await owner.hello([B_KEY], "owner-0", "team-b");
  await owner.frames.next((f) => f.type === "grant", 5000, "team-b's grant");
  assert.ok(!intruder.frames.all.some((f) => f.type === "grant"), "the intruder was granted team-b's key");

  intruder.send({ v, type: "observation", key: B_KEY, observation: observation(FORGED) });
  const c3 = await intruder.closed;
  assert.equal(c3.code, CloseCode.keyNotLeased);
  // The owner's report is served (a positive event after the forged one); the forged value never is.
  owner.send({ v, type: "observation", key: B_KEY, observation: observation(7) });
  const seen: number[] = [];
  await eventually(async () => {
    const value = backlogOf((await keda.tick(refB)).metrics ?? { metricValues: [] });
    if (value !== undefined) seen.push(value);
    return value === 7;
  });
  assert.ok(!seen.includes(FORGED), `served values: ${seen.join(", ")}`);
  assert.equal(await refused("namespace_forbidden"), 1);
  assert.equal(await refused("cluster_unknown"), 1);
  owner.terminate();
});
