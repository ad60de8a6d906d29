import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../support/fake-clock.js";
import { Broker } from "../../src/sim/model/broker.js";
import { decodeMessageId, encodeMessageId } from "../../src/sim/model/message-id.js";
import { parseTopic } from "../../src/sim/model/names.js";
import { partitionedStats } from "../../src/sim/model/partitioned-stats.js";
import { topicStats, type StatsOptions } from "../../src/sim/model/stats.js";
import type { Delivery, Flow } from "../../src/sim/model/types.js";
import { RateWindow } from "../../src/sim/model/rates.js";
import { InvalidMessageIdError, SimNotAllowedError } from "../../src/sim/errors.js";

function setup(windowMs = 60_000) {
  const clock = new FakeClock();
  const broker = new Broker({ clock, statsWindowMs: windowMs });
  return { clock, broker };
}

function flow(permits: number): Flow & { permits: number } {
  const f = {
    permits,
    available: () => f.permits,
    take: () => {
      f.permits--;
    },
  };
  return f;
}

function consumer(permits: number, autoAck = false) {
  const got: Delivery[] = [];
  const fl = flow(permits);
  return {
    got,
    flow: fl,
    init: {
      name: "c1",
      address: "/127.0.0.1:1",
      clientVersion: "test",
      priorityLevel: 0,
      flow: fl,
      sink: { deliver: (d: Delivery) => got.push(d) },
      autoAck,
    },
  };
}

const payload = (s: string) => ({ payload: Buffer.from(s).toString("base64") });

function opts(clock: FakeClock): StatsOptions {
  return {
    subscriptionBacklogSize: true,
    getEarliestTimeInBacklog: true,
    brokerName: "127.0.0.1:1",
    now: clock.now(),
  };
}

test("message ids round-trip through the MessageIdData varint encoding", () => {
  assert.deepEqual(decodeMessageId("CAAQAw=="), { ledgerId: 0, entryId: 3, partition: -1, batchIndex: -1 });
  assert.deepEqual(decodeMessageId("CAMQADAA"), { ledgerId: 3, entryId: 0, partition: -1, batchIndex: -1 });
  for (const id of [
    { ledgerId: 0, entryId: 3, partition: -1, batchIndex: -1 },
    { ledgerId: 123456789012, entryId: 300, partition: 7, batchIndex: -1 },
    { ledgerId: 5, entryId: 2 ** 40, partition: 0, batchIndex: 2 },
  ]) {
    assert.deepEqual(decodeMessageId(encodeMessageId(id)), id);
  }
  assert.equal(encodeMessageId({ ledgerId: 0, entryId: 3, partition: -1, batchIndex: -1 }), "CAAQAw==");
  assert.throws(() => decodeMessageId("!!"), InvalidMessageIdError);
  assert.throws(() => decodeMessageId("CA=="), InvalidMessageIdError);
});

test("backlog counts published minus acknowledged entries, individually and by cursor", () => {
  const { broker } = setup();
  const [t] = broker.resolveOrCreate(parseTopic("orders"));
  assert.ok(t);
  const sub = t.subscription("workers", "Shared", true, "latest");
  for (let i = 0; i < 10; i++) t.publish(payload(`m${i}`));
  assert.equal(sub.msgBacklog, 10);
  assert.equal(sub.backlogBytes, 20);
  assert.equal(sub.ack(5), true);
  assert.equal(sub.ack(5), false, "a second ack of the same entry changes nothing");
  assert.equal(sub.msgBacklog, 9);
  assert.equal(sub.markDelete, 0, "a hole keeps the mark-delete position");
  sub.ackCumulative(4);
  assert.equal(sub.markDelete, 6, "acking 0..4 joins the individually acked 5");
  assert.equal(sub.msgBacklog, 4);
  assert.equal(sub.ackOldest(100), 4);
  assert.equal(sub.msgBacklog, 0);
  assert.equal(sub.backlogBytes, 0);
  const late = t.subscription("late", "Shared", true, "earliest");
  assert.equal(late.msgBacklog, 10, "earliest starts at the first stored entry");
});

test("unacked counts delivered entries; nack redelivers with redeliveryCount + 1", () => {
  const { broker } = setup();
  const [t] = broker.resolveOrCreate(parseTopic("orders"));
  assert.ok(t);
  const c = consumer(3);
  const sub = t.subscribe("workers", "Shared", true, "latest", 1, c.init);
  for (let i = 0; i < 5; i++) t.publish(payload(`m${i}`));
  assert.equal(c.got.length, 3, "flow control: 3 permits, 3 deliveries");
  assert.equal(sub.unackedMessages, 3);
  assert.equal(sub.msgBacklog, 5);
  sub.ack(c.got[0]?.entry.entryId ?? -1);
  assert.equal(sub.unackedMessages, 2);
  assert.equal(sub.msgBacklog, 4);
  c.flow.permits = 1;
  sub.redeliver([1]);
  const again = c.got[3];
  assert.equal(again?.entry.entryId, 1, "the nacked entry comes first");
  assert.equal(again.redeliveryCount, 1);
  const s = topicStats(t, opts(new FakeClock()));
  const w = (s["subscriptions"] as Record<string, Record<string, unknown>>)["workers"];
  assert.equal(w?.["unackedMessages"], 2);
  assert.equal(w?.["msgRateRedeliver"], 1 / 60);
});

test("a leaving consumer's unacked entries go to the next consumer", () => {
  const { broker } = setup();
  const [t] = broker.resolveOrCreate(parseTopic("orders"));
  assert.ok(t);
  const a = consumer(10);
  const sub = t.subscribe("workers", "Shared", true, "latest", 1, a.init);
  t.publish(payload("x"));
  t.publish(payload("y"));
  assert.equal(a.got.length, 2);
  const b = consumer(10);
  sub.addConsumer(2, b.init);
  sub.removeConsumer(1);
  assert.deepEqual(
    b.got.map((d) => [d.entry.entryId, d.redeliveryCount]),
    [
      [0, 0],
      [1, 0],
    ],
  );
  assert.equal(sub.msgBacklog, 2);
});

test("Exclusive and Failover do not report unacked messages (Pulsar tracks them only when acking individually)", () => {
  const { broker } = setup();
  const [t] = broker.resolveOrCreate(parseTopic("orders"));
  assert.ok(t);
  const c = consumer(10);
  const sub = t.subscribe("ex", "Exclusive", true, "latest", 1, c.init);
  t.publish(payload("x"));
  assert.equal(c.got.length, 1);
  assert.equal(sub.unackedMessages, 0);
  assert.equal(sub.msgBacklog, 1);
  assert.throws(() => t.checkSubscribe("ex", "Exclusive", true), /Exclusive consumer is already connected/);
});

test("delayed messages stay out of msgBacklogNoDelayed until due (Shared)", () => {
  const { broker, clock } = setup();
  const [t] = broker.resolveOrCreate(parseTopic("orders"));
  assert.ok(t);
  const c = consumer(10);
  const sub = t.subscribe("workers", "Shared", true, "latest", 1, c.init);
  t.publish({ ...payload("later"), deliverAt: clock.now() + 5000 });
  t.publish(payload("now"));
  assert.equal(c.got.length, 1);
  assert.equal(sub.msgBacklog, 2);
  assert.equal(sub.msgDelayed, 1);
  clock.advance(5000);
  assert.equal(c.got.length, 2, "the delayed message is delivered when due");
  assert.equal(sub.msgDelayed, 0);
});

test("readers move their cursor as they read and vanish when they leave", () => {
  const { broker } = setup();
  const [t] = broker.resolveOrCreate(parseTopic("orders"));
  assert.ok(t);
  t.publish(payload("a"));
  const r = consumer(10, true);
  const sub = t.subscribe("reader-0123456789", "Exclusive", false, "earliest", 1, r.init);
  assert.equal(r.got.length, 1);
  assert.equal(sub.msgBacklog, 0);
  t.unsubscribe(1, "reader-0123456789");
  assert.equal(t.subscriptions.has("reader-0123456789"), false);
});

test("a non-durable subscription lives while it has a consumer and shows durable false in stats", () => {
  const { broker, clock } = setup();
  const [t] = broker.resolveOrCreate(parseTopic("orders"));
  assert.ok(t);
  t.subscription("workers", "Shared", true, "earliest");
  t.publish(payload("old"));
  const a = consumer(0);
  const b = consumer(0);
  const sub = t.subscribe("wire", "Shared", false, "latest", 1, a.init);
  t.subscribe("wire", "Shared", false, "latest", 2, b.init);
  t.publish(payload("new"));
  assert.equal(sub.msgBacklog, 1, "from latest: only what came after it");
  const doc = topicStats(t, opts(clock));
  const subs = doc["subscriptions"] as Record<string, Record<string, unknown>>;
  assert.equal(subs["wire"]?.["isDurable"], false);
  assert.equal(subs["wire"]?.["durable"], false);
  assert.equal(subs["workers"]?.["durable"], true);
  assert.equal(doc["backlogSize"], 6, "the topic's backlog size counts durable cursors only");
  t.unsubscribe(1, "wire");
  assert.equal(t.subscriptions.has("wire"), true, "one consumer left");
  t.unsubscribe(2, "wire");
  assert.equal(t.subscriptions.has("wire"), false, "deleted with the last consumer");
  t.unsubscribe(3, "workers");
  assert.equal(t.subscriptions.has("workers"), true, "a durable one stays");
});

test("a subscription name is either durable or not: the broker refuses the other kind", () => {
  const { broker } = setup();
  const [t] = broker.resolveOrCreate(parseTopic("orders"));
  assert.ok(t);
  t.subscription("workers", "Shared", true, "latest");
  assert.throws(
    () => t.subscribe("workers", "Exclusive", false, "latest", 1, consumer(1).init),
    (e: unknown) =>
      e instanceof SimNotAllowedError &&
      e.reason === "Durable subscription with the same name already exists.",
  );
  assert.throws(() => t.checkSubscribe("workers", "Shared", false), SimNotAllowedError);
  t.subscribe("wire", "Exclusive", false, "latest", 2, consumer(1).init);
  assert.throws(
    () => t.checkSubscribe("wire", "Exclusive", true),
    /NonDurable subscription with the same name already exists\./,
  );
  assert.equal(t.subscriptions.get("workers")?.durable, true);
});

test("adding partitions creates the existing subscriptions on the new partitions, from latest", () => {
  const { broker } = setup();
  const name = parseTopic("events");
  broker.createPartitioned(name, 2);
  const [p0, p1] = broker.resolve(name);
  p0?.subscription("workers", "Shared", true, "latest");
  p1?.subscription("audit", "Failover", true, "latest");
  p1?.subscribe("reader-0123456789", "Exclusive", false, "latest", 1, consumer(1, true).init);
  broker.updatePartitions(name, 4);
  const parts = broker.resolve(name);
  assert.equal(parts.length, 4);
  for (const t of parts.slice(2)) {
    assert.deepEqual([...t.subscriptions.keys()].sort(), ["audit", "workers"], t.fullName);
    assert.equal(t.subscriptions.get("workers")?.type, "Shared");
    assert.equal(t.subscriptions.get("audit")?.type, "Failover");
    assert.equal(t.subscriptions.get("workers")?.msgBacklog, 0);
  }
});

test("non-persistent topics keep no backlog and drop messages nobody receives", () => {
  const { broker } = setup();
  const [t] = broker.resolveOrCreate(parseTopic("non-persistent://public/default/live"));
  assert.ok(t);
  const sub = t.subscription("s", "Shared", true, "latest");
  t.publish(payload("lost"));
  assert.equal(sub.msgBacklog, 0);
  const c = consumer(10);
  sub.addConsumer(1, c.init);
  t.publish(payload("seen"));
  assert.equal(c.got.length, 1);
  assert.equal(sub.msgBacklog, 0);
  assert.equal(sub.unackedMessages, 1);
  assert.equal(sub.ack(c.got[0]?.entry.entryId ?? -1), true);
  assert.equal(sub.unackedMessages, 0);
});

test("partitioned stats sum partitions and merge subscriptions", () => {
  const { broker, clock } = setup();
  const name = parseTopic("events");
  broker.createPartitioned(name, 3);
  const parts = broker.resolve(name);
  for (const p of parts) p.subscription("workers", "Shared", true, "latest");
  parts.forEach((p, i) => {
    for (let k = 0; k <= i; k++) p.publish(payload("abcd"));
  });
  const doc = partitionedStats(parts, opts(clock), true);
  assert.equal(doc["msgInCounter"], 6);
  const subs = doc["subscriptions"] as Record<string, Record<string, unknown>>;
  assert.equal(subs["workers"]?.["msgBacklog"], 6);
  assert.deepEqual(doc["metadata"], { partitions: 3 });
  assert.deepEqual(Object.keys(doc["partitions"] as object), [
    "persistent://public/default/events-partition-0",
    "persistent://public/default/events-partition-1",
    "persistent://public/default/events-partition-2",
  ]);
  assert.deepEqual(partitionedStats(parts, opts(clock), false)["partitions"], {});
});

test("rates cover the sliding window on the injected clock", () => {
  const clock = new FakeClock();
  const r = new RateWindow(clock, 10_000);
  r.record(50, 500);
  assert.equal(r.rate(), 5);
  assert.equal(r.throughput(), 50);
  clock.advance(5_000);
  r.record(50, 500);
  assert.equal(r.rate(), 10);
  clock.advance(6_000);
  assert.equal(r.rate(), 5, "the first 50 left the window");
  clock.advance(10_000);
  assert.equal(r.rate(), 0);
});

test("topic stats report rates over the configured window", () => {
  const { broker, clock } = setup(10_000);
  const [t] = broker.resolveOrCreate(parseTopic("orders"));
  assert.ok(t);
  t.subscription("workers", "Shared", true, "latest");
  for (let i = 0; i < 20; i++) t.publish(payload("xx"));
  const s = topicStats(t, opts(clock));
  assert.equal(s["msgRateIn"], 2);
  assert.equal(s["msgInCounter"], 20);
  clock.advance(20_000);
  assert.equal(topicStats(t, opts(clock))["msgRateIn"], 0);
  assert.equal(topicStats(t, opts(clock))["oldestBacklogMessageAgeSeconds"], 20);
});

test("namespace and topic metadata errors carry Pulsar's reasons", () => {
  const { broker } = setup();
  assert.throws(
    () => broker.requireTopic(parseTopic("nope")),
    /Topic persistent:\/\/public\/default\/nope not found/,
  );
  assert.throws(() => broker.resolve(parseTopic("other/ns/x")), /Namespace not found/);
  broker.createPartitioned(parseTopic("p"), 2);
  assert.throws(() => broker.requireTopic(parseTopic("p")), /not found/);
  assert.throws(() => broker.createNonPartitioned(parseTopic("p")), /already exists/);
  assert.equal(broker.partitionCount(parseTopic("p")), 2);
});
