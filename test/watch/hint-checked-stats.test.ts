import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ServerError, TopicNotFoundError } from "../../src/pulsar/errors.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { HintCheckedStats } from "../../src/watch/hint-checked-stats.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeStatsReader, topicSnapshot } from "../support/fake-pulsar.js";

const TOPIC = parseTopicName("persistent://t/ns/orders");

/** A non-partitioned topic as Pulsar serves it: the partitioned path is a 404. */
function pulsar(world = { exists: true, partitions: 0, down: false }) {
  const clock = new FakeClock();
  const stats = new FakeStatsReader(clock, (_topic, partitioned) => {
    if (world.down) throw new ServerError("HTTP 503", "u", 503);
    if (!world.exists) throw new TopicNotFoundError("HTTP 404: Topic not found", "u");
    const isPartitioned = partitioned ?? world.partitions > 0;
    if (isPartitioned !== world.partitions > 0) throw new TopicNotFoundError("HTTP 404: not that kind", "u");
    return topicSnapshot(TOPIC, { s: { msgBacklog: 5 } }, { partitions: world.partitions });
  });
  return { world, stats, checked: new HintCheckedStats(stats) };
}

void describe("HintCheckedStats", () => {
  void it("a right hint is used as it is (no lookup)", async () => {
    const { stats, checked } = pulsar();
    assert.equal((await checked.topicStats(TOPIC, false)).partitions, 0);
    assert.deepEqual(
      stats.calls.map((c) => c.partitioned),
      [false],
    );
  });

  void it("a wrong hint: the 404 asks again by detection, and the hint is not used any more", async () => {
    const { stats, checked } = pulsar();
    const snap = await checked.topicStats(TOPIC, true);
    assert.equal(snap.partitions, 0, "read as Pulsar says the topic is");
    assert.equal(snap.subscriptions.get("s")?.msgBacklog, 5);
    await checked.topicStats(TOPIC, true);
    assert.deepEqual(
      stats.calls.map((c) => c.partitioned),
      [true, undefined, undefined],
      "no 404 first once contradicted",
    );
  });

  void it("a missing topic rejects TopicNotFoundError and keeps the hint; other errors are not retried", async () => {
    const { world, stats, checked } = pulsar({ exists: false, partitions: 0, down: false });
    await assert.rejects(checked.topicStats(TOPIC, false), TopicNotFoundError);
    world.exists = true;
    await checked.topicStats(TOPIC, false);
    assert.deepEqual(
      stats.calls.map((c) => c.partitioned),
      [false, undefined, false],
    );
    world.down = true;
    await assert.rejects(checked.topicStats(TOPIC, false), ServerError);
    assert.equal(stats.calls.length, 4, "a 503 is not a reason to doubt the hint");
  });
});
