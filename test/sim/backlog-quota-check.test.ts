import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { FakeClock } from "../support/fake-clock.js";
import { request } from "./helpers.js";

// oldestBacklogMessageAgeSeconds as a broker reports it: from the oldest entry its backlog-quota
// check last saw (issue 13 item 7), the check running every 10 s on the simulator's clock.
const clock = new FakeClock(Date.parse("2025-10-24T16:00:00.000Z"));
let sim: RunningSimulator;
before(async () => {
  sim = await startSimulator({ port: 0, clock, backlogQuotaCheckMs: 10_000 });
});
after(async () => {
  await sim.close();
});

const put = (path: string) => request(`${sim.adminUrl}/admin/v2/${path}`, { method: "PUT" });

async function oldest(topic: string): Promise<[unknown, unknown]> {
  const res = await request(`${sim.adminUrl}/admin/v2/persistent/public/default/${topic}/stats`);
  assert.equal(res.status, 200, res.text);
  const doc: Record<string, unknown> = res.json();
  return [doc["oldestBacklogMessageAgeSeconds"], doc["oldestBacklogMessageSubscriptionName"]];
}

test("the age is 0 until a check sees the backlog, then grows past the ack until the next check", async () => {
  assert.equal((await put("persistent/public/default/lag/subscription/workers")).status, 204);
  await sim.control.publish({ topic: "lag", count: 2 });
  clock.advance(4_000);
  assert.deepEqual(await oldest("lag"), [0, undefined], "no backlog at the last check (none yet)");
  clock.advance(6_000); // the check at 10 s sees the entries published at 0 s
  assert.deepEqual(await oldest("lag"), [10, "workers"]);
  await sim.control.ack("lag", "workers", 2);
  clock.advance(5_000);
  assert.deepEqual(await oldest("lag"), [15, "workers"], "the ack is not seen before the next check");
  clock.advance(5_000); // the check at 20 s finds the backlog empty
  assert.deepEqual(await oldest("lag"), [0, undefined]);
});

test("POST /_sim/backlog-quota-check runs the check now", async () => {
  assert.equal((await put("persistent/public/default/now/subscription/workers")).status, 204);
  await sim.control.publish({ topic: "now", count: 1 });
  clock.advance(3_000);
  await sim.control.backlogQuotaCheck();
  assert.deepEqual(await oldest("now"), [3, "workers"]);
  await sim.control.ack("now", "workers", 1);
  clock.advance(1_000);
  assert.deepEqual(await oldest("now"), [4, "workers"], "acked, but not checked since");
  await sim.control.backlogQuotaCheck();
  assert.deepEqual(await oldest("now"), [0, undefined]);
});
