import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BadPayloadError,
  IncompleteStatsError,
  PulsarError,
  SubscriptionNotFoundError,
} from "../../src/pulsar/errors.js";
import {
  parsePartitionMetadata,
  parseSubscriptionList,
  parseTopicStats,
} from "../../src/pulsar/stats-parser.js";
import { subscriptionOf } from "../../src/pulsar/subscription-of.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { fixture } from "./helpers.js";

const URL = "http://broker:8080/admin/v2/persistent/public/default/orders/stats";
const topic = parseTopicName("persistent://public/default/orders");

type Json = Record<string, unknown>;
const real = (): Json => JSON.parse(fixture("topic-stats-real-4.1.json")) as Json;
const subsOf = (doc: Json): Record<string, Json> => doc["subscriptions"] as Record<string, Json>;

void test("real 4.1 document: every durable subscription with its numbers", () => {
  const snap = parseTopicStats(fixture("topic-stats-real-4.1.json"), topic, URL);
  assert.equal(snap.partitions, 0);
  assert.equal(snap.msgRateIn, 0);
  assert.equal(snap.msgInCounter, 10);
  assert.deepEqual([...snap.subscriptions.keys()].sort(), ["taosx-test", "test_subscription"]);
  assert.deepEqual(snap.subscriptions.get("test_subscription"), {
    msgBacklog: 1,
    msgBacklogNoDelayed: 1,
    unackedMessages: 0,
    type: "Failover",
    msgRateOut: 0,
    consumers: 1,
    backlogSize: 0,
  });
  assert.equal(snap.subscriptions.get("taosx-test")?.consumers, 0);
});

void test("non-partitioned fixture", () => {
  const snap = parseTopicStats(fixture("topic-stats-non-partitioned.json"), topic, URL);
  const workers = subscriptionOf(snap, "workers");
  assert.equal(workers.msgBacklog, 4533);
  assert.equal(workers.unackedMessages, 532);
  assert.equal(workers.type, "Shared");
  assert.equal(workers.consumers, 2);
  assert.equal(workers.msgRateOut, 3.45);
  assert.equal(subscriptionOf(snap, "audit").type, "Failover");
  assert.equal(snap.partitions, 0);
});

void test("partitioned-stats fixture: summed numbers and metadata.partitions", () => {
  const snap = parseTopicStats(fixture("partitioned-stats-3-partitions.json"), topic, URL);
  assert.equal(snap.partitions, 3);
  assert.equal(snap.msgInCounter, 12001);
  assert.equal(snap.msgRateIn, 39.900000000000006);
  const w = subscriptionOf(snap, "workers");
  assert.deepEqual(w, {
    msgBacklog: 358,
    msgBacklogNoDelayed: 358,
    unackedMessages: 30,
    type: "Shared",
    msgRateOut: 37.5,
    // The broker merged the partitions' one-consumer lists index by index into one entry.
    consumers: 1,
    backlogSize: 24344,
  });
});

void test("perPartition=true: every partition listed is served; a partition left out is an error, never a smaller backlog", () => {
  const full = JSON.parse(fixture("partitioned-stats-3-partitions.json")) as Json;
  assert.equal(
    subscriptionOf(parseTopicStats(JSON.stringify(full), topic, URL, 3, true), "workers").msgBacklog,
    358,
  );
  const partial = structuredClone(full);
  const listed = partial["partitions"] as Json;
  delete listed["persistent://public/default/events-partition-2"];
  assert.throws(
    () => parseTopicStats(JSON.stringify(partial), topic, URL, 3, true),
    (e: unknown) => e instanceof IncompleteStatsError && /summed 2 of 3 partitions/.test(e.message),
  );
  // A BadPayloadError like any unusable document (the watcher keeps the last value, then errors).
  assert.throws(() => parseTopicStats(JSON.stringify(partial), topic, URL, 3, true), BadPayloadError);
  delete partial["metadata"];
  assert.throws(
    () => parseTopicStats(JSON.stringify(partial), topic, URL, 3, true),
    /metadata.partitions is missing/,
  );
  partial["partitions"] = [];
  assert.throws(() => parseTopicStats(JSON.stringify(partial), topic, URL, 3, true), BadPayloadError);
});

void test("negative unackedMessages (apache/pulsar#23805) is read as 0 and keeps every backlog", () => {
  const doc = real();
  (subsOf(doc)["taosx-test"] as Json)["unackedMessages"] = -3;
  const snap = parseTopicStats(JSON.stringify(doc), topic, URL);
  assert.equal(snap.subscriptions.get("taosx-test")?.unackedMessages, 0);
  assert.equal(snap.subscriptions.get("test_subscription")?.msgBacklog, 1);
  (subsOf(doc)["taosx-test"] as Json)["unackedMessages"] = "-3";
  assertThrowsBadPayload(() => parseTopicStats(JSON.stringify(doc), topic, URL));
});

void test("partitions falls back to the known count, then 0", () => {
  const doc = real();
  assert.equal(parseTopicStats(JSON.stringify(doc), topic, URL, 4).partitions, 4);
  doc["metadata"] = { partitions: 2 };
  assert.equal(parseTopicStats(JSON.stringify(doc), topic, URL, 4).partitions, 2);
});

void test("non-durable subscriptions are dropped: isDurable false, durable false, or an unmarked reader-", () => {
  const doc = real();
  const subs = subsOf(doc);
  const base = subs["taosx-test"] as Json;
  subs["reader-0a1b2c3d4e"] = { ...base, isDurable: false, durable: false };
  subs["only-durable-key"] = { ...base, isDurable: undefined, durable: false };
  const unmarked: Json = { ...base };
  delete unmarked["isDurable"];
  delete unmarked["durable"];
  subs["reader-ffffffffff"] = unmarked;
  subs["kept-unmarked"] = unmarked;
  const snap = parseTopicStats(JSON.stringify(doc), topic, URL);
  assert.deepEqual([...snap.subscriptions.keys()].sort(), [
    "kept-unmarked",
    "taosx-test",
    "test_subscription",
  ]);
});

void test("msgBacklogNoDelayed absent: msgBacklog - msgDelayed, else BadPayloadError", () => {
  const doc = real();
  const s = subsOf(doc)["taosx-test"] as Json;
  delete s["msgBacklogNoDelayed"];
  s["msgDelayed"] = 2;
  assert.equal(
    parseTopicStats(JSON.stringify(doc), topic, URL).subscriptions.get("taosx-test")?.msgBacklogNoDelayed,
    4,
  );
  delete s["msgDelayed"];
  assert.throws(() => parseTopicStats(JSON.stringify(doc), topic, URL), BadPayloadError);
});

void test("unknown type becomes undefined, unknown fields are ignored", () => {
  const doc = real();
  const s = subsOf(doc)["taosx-test"] as Json;
  s["type"] = "Future_Type";
  s["brandNewField"] = { nested: [1, 2] };
  doc["anotherNewField"] = null;
  const snap = parseTopicStats(JSON.stringify(doc), topic, URL);
  assert.equal(snap.subscriptions.get("taosx-test")?.type, undefined);
});

void test("a missing subscriptions map is an empty map, and subscriptionOf then throws", () => {
  const doc = real();
  delete doc["subscriptions"];
  const snap = parseTopicStats(JSON.stringify(doc), topic, URL);
  assert.equal(snap.subscriptions.size, 0);
  assert.throws(() => subscriptionOf(snap, "workers"), SubscriptionNotFoundError);
});

for (const [where, field, value] of [
  ["topic", "msgRateIn", undefined],
  ["topic", "msgInCounter", "10"],
  ["topic", "msgInCounter", -1],
  ["sub", "msgBacklog", undefined],
  ["sub", "msgBacklog", null],
  ["sub", "unackedMessages", undefined],
  ["sub", "msgRateOut", "fast"],
  ["sub", "consumers", undefined],
  ["sub", "consumers", {}],
] as const) {
  void test(`required ${where}.${field} = ${JSON.stringify(value) ?? "absent"} -> BadPayloadError, never a 0`, () => {
    const doc = real();
    const target = where === "topic" ? doc : (subsOf(doc)["taosx-test"] as Json);
    if (value === undefined) delete target[field];
    else target[field] = value;
    const err = assertThrowsBadPayload(() => parseTopicStats(JSON.stringify(doc), topic, URL));
    assert.match(err.message, new RegExp(field));
    assert.ok(err.message.includes(URL));
  });
}

void test("not JSON, not an object, array -> BadPayloadError", () => {
  for (const body of ["", "<html>", "[]", "null", "42", '"x"', '{"msgRateIn": 1', "{}"]) {
    assertThrowsBadPayload(() => parseTopicStats(body, topic, URL));
  }
});

void test("partition metadata and subscription list", () => {
  assert.equal(parsePartitionMetadata('{"partitions": 3}', URL), 3);
  assert.equal(parsePartitionMetadata('{"partitions": 0}', URL), 0);
  for (const body of ['{"partitions": 1.5}', '{"partitions": -1}', "{}", "[]", "x"]) {
    assertThrowsBadPayload(() => parsePartitionMetadata(body, URL));
  }
  assert.deepEqual(parseSubscriptionList('["a","b"]', URL), ["a", "b"]);
  for (const body of ['{"a":1}', "[1]", "nope"])
    assertThrowsBadPayload(() => parseSubscriptionList(body, URL));
});

function assertThrowsBadPayload(fn: () => unknown): BadPayloadError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BadPayloadError, `expected BadPayloadError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected BadPayloadError");
}

/** Property: whatever the body, the parsers return or throw a PulsarError, nothing else. */
function onlyTypedErrors(body: string): boolean {
  for (const fn of [
    () => parseTopicStats(body, topic, URL),
    () => parsePartitionMetadata(body, URL),
    () => parseSubscriptionList(body, URL),
  ]) {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof PulsarError)) return false;
    }
  }
  return true;
}

const fixtures = [
  "topic-stats-real-4.1.json",
  "topic-stats-non-partitioned.json",
  "partitioned-stats-3-partitions.json",
].map(fixture);

void test("property: random strings and random JSON never throw an untyped error", () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), onlyTypedErrors), { numRuns: 500 });
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => onlyTypedErrors(JSON.stringify(v))),
    { numRuns: 500 },
  );
});

void test("property: truncated and mutated real documents never throw an untyped error", () => {
  fc.assert(
    fc.property(fc.constantFrom(...fixtures), fc.nat(), (doc, cut) =>
      onlyTypedErrors(doc.slice(0, cut % (doc.length + 1))),
    ),
    { numRuns: 500 },
  );
  const leaf = fc.oneof(
    fc.constant(null),
    fc.double(),
    fc.string(),
    fc.boolean(),
    fc.constant({}),
    fc.constant([]),
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...fixtures),
      fc.array(fc.tuple(fc.nat(), leaf), { maxLength: 5 }),
      (doc, edits) => {
        const parsed = JSON.parse(doc) as Json;
        const subs = Object.values(subsOf(parsed));
        const targets: Json[] = [parsed, ...subs];
        for (const [i, value] of edits) {
          const target = targets[i % targets.length] as Json;
          const keys = Object.keys(target);
          const key = keys[i % keys.length] ?? "x";
          target[key] = value;
        }
        return onlyTypedErrors(JSON.stringify(parsed));
      },
    ),
    { numRuns: 500 },
  );
});
