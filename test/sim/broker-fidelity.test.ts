import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { FakeClock } from "../support/fake-clock.js";
import { request, WsClient, type Frame } from "./helpers.js";

// Details where the simulator once differed from a real broker (issue 13, items 6 to 9).
const clock = new FakeClock(Date.parse("2025-10-24T15:58:56.870Z"));
let sim: RunningSimulator;
before(async () => {
  sim = await startSimulator({ port: 0, clock });
});
after(async () => {
  await sim.close();
});

const api = (path: string) => `${sim.adminUrl}/admin/v2/${path}`;
const consumerUrl = (topic: string, sub: string) =>
  `${sim.wsUrl}/ws/v2/consumer/persistent/public/default/${topic}/${sub}?subscriptionType=Shared`;

async function json(path: string): Promise<Record<string, unknown>> {
  const res = await request(api(path));
  assert.equal(res.status, 200, res.text);
  return res.json();
}

test("times are written as Java writes them: publishTime and connectedSince drop trailing zeros", async () => {
  const c = await WsClient.connect(consumerUrl("javatime", "workers"));
  await sim.control.publish({ topic: "javatime", count: 1 });
  const msg = await c.next("message");
  assert.equal(msg["publishTime"], "2025-10-24T15:58:56.87Z");
  const doc = await json("persistent/public/default/javatime/stats");
  const consumer = ((doc["subscriptions"] as Record<string, Frame>)["workers"]?.["consumers"] as Frame[])[0];
  assert.equal(consumer?.["connectedSince"], "2025-10-24T15:58:56.87Z");
  c.send({ messageId: msg["messageId"] });
  c.close();
});
