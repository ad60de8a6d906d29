import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { FakeClock } from "../support/fake-clock.js";
import { request, WsClient, type Frame } from "./helpers.js";

// Details where the simulator once differed from a real broker (issue 13, items 6 to 9).
const clock = new FakeClock(Date.parse("2025-10-24T15:58:56.870Z"));
let sim: RunningSimulator;
before(async () => {
  // The oldest-backlog ages asserted here are current ones: no backlog-quota check lag.
  sim = await startSimulator({ port: 0, clock, backlogQuotaCheckMs: 0 });
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

test("oldestBacklogMessageAgeSeconds is 0 with no backlog; the partitioned total keeps the maximum", async () => {
  const put = (path: string, body = "") =>
    request(api(path), { method: "PUT", body, headers: { "Content-Type": "application/json" } });
  assert.equal((await put("persistent/public/default/ageflat/subscription/workers")).status, 204);
  assert.equal((await json("persistent/public/default/ageflat/stats"))["oldestBacklogMessageAgeSeconds"], 0);
  assert.equal((await put("persistent/public/default/agep/partitions", "3")).status, 204);
  assert.equal((await put("persistent/public/default/agep/subscription/workers")).status, 204);
  const empty = await json("persistent/public/default/agep/partitioned-stats");
  assert.equal(empty["oldestBacklogMessageAgeSeconds"], 0);
  assert.equal(empty["oldestBacklogMessageSubscriptionName"], undefined);
  await sim.control.publish({ topic: "persistent://public/default/agep-partition-1", count: 1 });
  clock.advance(7_000);
  await sim.control.publish({ topic: "persistent://public/default/agep-partition-2", count: 1 });
  clock.advance(2_000);
  const doc = await json("persistent/public/default/agep/partitioned-stats");
  assert.equal(doc["oldestBacklogMessageAgeSeconds"], 9);
  assert.equal(doc["oldestBacklogMessageSubscriptionName"], "workers");
});

test("partitioned-stats merges consumers index by index and averages the partitions' averageMsgSize", async () => {
  const put = (path: string, body = "") =>
    request(api(path), { method: "PUT", body, headers: { "Content-Type": "application/json" } });
  assert.equal((await put("persistent/public/default/merge3/partitions", "3")).status, 204);
  const c = await WsClient.connect(consumerUrl("merge3", "workers"));
  await sim.control.publish({ topic: "persistent://public/default/merge3-partition-0", payload: "a" });
  await sim.control.publish({
    topic: "persistent://public/default/merge3-partition-1",
    count: 3,
    payload: "aaaaaaaaaa",
  });
  for (let i = 0; i < 4; i++) await c.next(`message ${i}`);
  const doc = await json("persistent/public/default/merge3/partitioned-stats?perPartition=true");
  const parts = Object.values(doc["partitions"] as Record<string, Frame>);
  const consumersOf = (d: Frame) =>
    (d["subscriptions"] as Record<string, Frame>)["workers"]?.["consumers"] as Frame[];
  const merged = consumersOf(doc);
  assert.equal(merged.length, 1);
  const outs = parts.map((p) => consumersOf(p)[0]?.["msgOutCounter"] as number);
  assert.equal(
    merged[0]?.["msgOutCounter"],
    outs.reduce((a, b) => a + b, 0),
  );
  assert.equal(merged[0]?.["consumerName"], consumersOf(parts[0] ?? {})[0]?.["consumerName"]);
  const sizes = parts.map((p) => p["averageMsgSize"] as number);
  assert.ok(sizes[0]! > 0 && sizes[1]! > sizes[0]!);
  assert.equal(doc["averageMsgSize"], sizes.reduce((a, b) => a + b, 0) / sizes.length);
  c.close();
});

test("partitioned-stats on a partition's name is 412 with the broker's reason", async () => {
  const put = await request(api("persistent/public/default/p412/partitions"), {
    method: "PUT",
    body: "2",
    headers: { "Content-Type": "application/json" },
  });
  assert.equal(put.status, 204);
  const res = await request(api("persistent/public/default/p412-partition-1/partitioned-stats"));
  assert.equal(res.status, 412);
  assert.match(res.contentType, /application\/json/);
  assert.deepEqual(res.json(), { reason: "Partitioned Topic Name should not contain '-partition-'" });
});

test("non-persistent stats carry msgDropRate at the top level and per publisher", async () => {
  const c = await WsClient.connect(`${sim.wsUrl}/ws/v2/consumer/non-persistent/public/default/drops/s`);
  const p = await WsClient.connect(`${sim.wsUrl}/ws/v2/producer/non-persistent/public/default/drops`);
  const doc = await json("non-persistent/public/default/drops/stats");
  assert.equal(typeof doc["msgDropRate"], "number");
  const publishers = doc["publishers"] as Frame[];
  assert.equal(publishers.length, 1);
  assert.equal(publishers[0]?.["msgDropRate"], 0);
  const persistent = await json("persistent/public/default/p412-partition-1/stats");
  assert.equal("msgDropRate" in persistent, false);
  p.close();
  c.close();
});

test("lastMessageId answers the last entry's ledgerId, entryId and partitionIndex", async () => {
  const put = await request(api("persistent/public/default/lastid"), { method: "PUT" });
  assert.equal(put.status, 204);
  const empty = await json("persistent/public/default/lastid/lastMessageId");
  assert.equal(empty["entryId"], -1);
  assert.equal(empty["partitionIndex"], -1);
  await sim.control.publish({ topic: "lastid", count: 3 });
  const doc = await json("persistent/public/default/lastid/lastMessageId");
  assert.deepEqual(Object.keys(doc), ["ledgerId", "entryId", "partitionIndex"]);
  assert.equal(doc["entryId"], 2);
  assert.equal(doc["ledgerId"], empty["ledgerId"]);
});
