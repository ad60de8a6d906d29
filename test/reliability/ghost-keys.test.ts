import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { status } from "@grpc/grpc-js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import type { HubProc, SimProc } from "../support/programs.js";
import { ensureSubscription, fullTopic, refFor, TENANT_NS } from "../support/pulsar.js";
import { eventually } from "../support/latch.js";
import { Cluster } from "./harness.js";
import { read } from "./keys.js";

// Ghost keys through a hub process (docs/watch-engine.md, Interest): triggers naming topics that do
// not exist answer UNAVAILABLE at once naming the topic, create nothing in Pulsar, and give their
// table places up once quiet for --never-healthy-ttl-ms; a trigger with a wrong isPartitionedTopic
// fails alone.

const cluster = new Cluster();
let sim: SimProc;
let hub: HubProc;
let keda: KedaEmulator;

before(async () => {
  sim = await cluster.sim();
  hub = await cluster.hub({
    adminUrl: sim.adminUrl,
    wsUrl: sim.wsUrl,
    extraArgs: ["--max-keys", "3", "--never-healthy-ttl-ms", "1000"],
  });
  keda = cluster.keda(hub.grpcAddress);
});

after(async () => {
  await cluster.close();
});

const so = (name: string, topic: string, extra: Record<string, string> = {}): ScaledObjectRef =>
  refFor({ name, adminUrl: sim.adminUrl, topic, subscription: "workers", extra });
const metricOf = async (ref: ScaledObjectRef) =>
  (await keda.getMetricSpec(ref)).metricSpecs[0]?.metricName ?? "";
const answer = async (ref: ScaledObjectRef) => read(keda, ref, await metricOf(ref));

void test("ghost keys: UNAVAILABLE naming the topic, nothing created, their places freed once quiet", async () => {
  const ghosts = ["ghost-0", "ghost-1", "ghost-2"].map((t) => so(`so-${t}`, t));
  for (const g of ghosts) {
    const r = await answer(g);
    assert.ok(typeof r !== "number" && r.code === status.UNAVAILABLE, JSON.stringify(r));
    assert.match(r.details, /topic persistent:\/\/public\/default\/ghost-\d does not exist/);
  }
  await ensureSubscription(sim.adminUrl, "real", "workers");
  const real = so("so-real", "real");
  const full = await answer(real);
  assert.ok(
    typeof full !== "number" && full.code === status.RESOURCE_EXHAUSTED,
    "the table is full of ghosts",
  );
  // Nobody asks about the ghosts any more: within about a second they give their places up.
  await eventually(async () => (await answer(real)) === 0, 10_000, "the real key is served");
  for (const t of ["ghost-0", "ghost-1", "ghost-2"]) {
    const res = await fetch(`${sim.adminUrl}/admin/v2/persistent/${TENANT_NS}/${t}/partitions`);
    await res.text();
    assert.equal(res.status, 404, `${fullTopic(t)} was not created`);
  }
});

void test("a wrong isPartitionedTopic fails its trigger alone, naming what Pulsar says", async () => {
  await ensureSubscription(sim.adminUrl, "plain", "workers");
  await sim.control.publish({ topic: fullTopic("plain"), count: 2 });
  const wrong = so("so-wrong", "plain", { isPartitionedTopic: "true" });
  const right = so("so-right", "plain");
  await eventually(
    async () => {
      const r = await answer(wrong);
      return typeof r !== "number" && r.code === status.INVALID_ARGUMENT;
    },
    10_000,
    "the wrong trigger gets INVALID_ARGUMENT",
  );
  const r = await answer(wrong);
  assert.ok(typeof r !== "number");
  assert.match(
    r.details,
    /isPartitionedTopic = "true": Pulsar says topic persistent:\/\/public\/default\/plain is not partitioned/,
  );
  assert.equal(await answer(right), 2, "the other trigger on the same subscription is served");
});
