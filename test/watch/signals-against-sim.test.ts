import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { subscriptionOf } from "../../src/pulsar/subscription-of.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { BacklogAge } from "../../src/watch/backlog-age.js";
import { toObservation } from "../../src/watch/watcher.js";
import { FakeClock } from "../support/fake-clock.js";
import { access, mustAdmin } from "../pulsar/sim-helpers.js";

// The watcher's read of the two signals against the simulator, on one fake clock: the admin
// client's requests, the simulator's stats (backlogSize, earliestMsgPublishTimeInBacklog) and the
// age policy of src/watch/backlog-age.ts, as Watcher.pollOnce chains them.

const TOPIC = "persistent://public/default/signals";
const topic = parseTopicName(TOPIC);
const clock = new FakeClock();
let sim: RunningSimulator;

before(async () => {
  sim = await startSimulator({ port: 0, clock });
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/signals");
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/signals/subscription/workers");
});

after(async () => {
  await sim.close();
});

void test("age grows while nobody consumes and falls when the oldest is acked; bytes follow payloads", async (t) => {
  const a = access(sim, { kind: "none" }, {}, { clock });
  t.after(() => a.close());
  const age = new BacklogAge(15_000);
  const arrival: { at?: number } = {}; // the watcher's newest arrival (its tripwire)
  const read = async () => {
    const now = clock.now();
    const ask = age.shouldAsk(now, arrival.at);
    const snap = await a.stats.topicStats(topic, false, { earliestTimeInBacklog: ask });
    return { ask, obs: toObservation(snap, "workers", now, (s) => age.ageOf(s, now, ask)) };
  };

  const empty = await read();
  assert.equal(empty.ask, true);
  assert.equal(empty.obs.backlogAgeSeconds, 0, "no backlog: age 0, observed");
  assert.equal(empty.obs.msgBacklogBytes, 0);

  clock.advance(1);
  await sim.control.publish({ topic: TOPIC, count: 2, payload: "x".repeat(100) });
  arrival.at = clock.now();
  clock.advance(10_000);
  await sim.control.publish({ topic: TOPIC, count: 1, payload: "y".repeat(300) });
  clock.advance(10_000);
  const waiting = await read();
  assert.equal(waiting.ask, true, "an age read is due");
  assert.equal(waiting.obs.msgBacklog, 3);
  assert.equal(waiting.obs.msgBacklogBytes, 500, "2 x 100 + 300 bytes");
  assert.equal(waiting.obs.backlogAgeSeconds, 20);

  clock.advance(5_000);
  const between = await read();
  assert.equal(between.ask, false, "within the interval: plain stats");
  assert.equal(between.obs.backlogAgeSeconds, 25, "the age grows with the clock");

  await sim.control.ack(TOPIC, "workers", 2);
  clock.advance(10_000);
  const acked = await read();
  assert.equal(acked.ask, true);
  assert.equal(acked.obs.msgBacklogBytes, 300);
  assert.equal(acked.obs.backlogAgeSeconds, 25, "the oldest left was published 25 s ago");
  assert.equal(subscriptionOf(await a.stats.topicStats(topic, false), "workers").msgBacklog, 1);

  await sim.control.ack(TOPIC, "workers", 1);
  const drained = await read();
  assert.equal(drained.obs.backlogAgeSeconds, 0);
  assert.equal(drained.obs.msgBacklogBytes, 0);
});
