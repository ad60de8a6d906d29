import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ConsumerDeployment } from "../../src/demo/deployment.js";
import { BurstProducer, ensureSubscription, type TrafficTarget } from "../../src/demo/traffic.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { Latch } from "../support/latch.js";

let sim: RunningSimulator;
let target: TrafficTarget;

before(async () => {
  sim = await startSimulator({ port: 0, websocket: false });
  target = {
    adminUrl: sim.adminUrl,
    control: sim.control,
    topic: "persistent://public/default/traffic",
    subscription: "workers",
  };
});
after(() => sim.close());

async function backlog(): Promise<number> {
  const res = await fetch(`${sim.adminUrl}/admin/v2/persistent/public/default/traffic/stats`);
  const stats = (await res.json()) as {
    subscriptions: Record<string, { msgBacklog: number; consumers: unknown[] }>;
  };
  return stats.subscriptions[target.subscription]?.msgBacklog ?? -1;
}

void test("producer bursts fill the subscription's backlog; replicas ack it back to zero", async () => {
  await ensureSubscription(target);
  assert.equal(await backlog(), 0, "the durable subscription exists, with nothing in it");
  await ensureSubscription(target); // again: it exists already, which is fine
  const producer = new BurstProducer(target);
  assert.deepEqual(await producer.burst(20), { sent: 20 });
  assert.deepEqual(await producer.burst(5), { sent: 5 });
  assert.equal(await backlog(), 25);

  const acked = new Latch(25);
  const deployment = new ConsumerDeployment({ target, ackRate: 100, onAck: () => acked.hit() });
  deployment.scaleTo(2);
  assert.equal(deployment.size, 2);
  await acked.wait(10_000, "acks");
  deployment.scaleTo(0);
  assert.equal(deployment.size, 0);
  producer.close();
  assert.equal(await backlog(), 0);
});

void test("a replica acks at its rate", async () => {
  const producer = new BurstProducer(target);
  await producer.burst(10);
  const acks: number[] = [];
  const done = new Latch(10);
  const deployment = new ConsumerDeployment({
    target,
    ackRate: 20,
    onAck: () => {
      acks.push(Date.now());
      done.hit();
    },
  });
  deployment.scaleTo(1);
  await done.wait(10_000, "acks");
  deployment.close();
  producer.close();
  const spanMs = (acks.at(-1) ?? 0) - (acks[0] ?? 0);
  assert.ok(spanMs >= 300, `10 acks at 20/s take about 450 ms, took ${spanMs} ms`);
});
