import { test } from "node:test";
import assert from "node:assert/strict";
import { BadPayloadError } from "../../src/pulsar/errors.js";
import { parseTopicStats } from "../../src/pulsar/stats-parser.js";
import { subscriptionOf } from "../../src/pulsar/subscription-of.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { fixture } from "./helpers.js";

// backlogSize (msgBacklogBytes) and earliestMsgPublishTimeInBacklog (backlogAgeSeconds) as the
// parser reads them: observed numbers only, never a default.

const URL = "http://broker:8080/admin/v2/persistent/public/default/orders/stats";
const topic = parseTopicName("persistent://public/default/orders");
type Json = Record<string, unknown>;
const real = (): Json => JSON.parse(fixture("topic-stats-real-4.1.json")) as Json;
const sub = (doc: Json): Json => (doc["subscriptions"] as Record<string, Json>)["test_subscription"] as Json;
const parse = (doc: Json, earliest: boolean) =>
  subscriptionOf(
    parseTopicStats(JSON.stringify(doc), topic, URL, undefined, false, earliest),
    "test_subscription",
  );

void test("backlogSize: read in bytes; -1 (not computed) and absent are no number", () => {
  const doc = real();
  sub(doc)["backlogSize"] = 4096;
  assert.equal(parse(doc, false).backlogSize, 4096);
  sub(doc)["backlogSize"] = -1;
  assert.equal("backlogSize" in parse(doc, false), false);
  delete sub(doc)["backlogSize"];
  assert.equal("backlogSize" in parse(doc, false), false);
  sub(doc)["backlogSize"] = -5;
  assert.throws(() => parse(doc, false), BadPayloadError);
});

void test("earliestMsgPublishTimeInBacklog: read only when asked; absent (before 2.10.0) is no number", () => {
  const doc = real();
  sub(doc)["earliestMsgPublishTimeInBacklog"] = 1_700_000_000_000;
  assert.equal(parse(doc, true).earliestMsgPublishTimeInBacklog, 1_700_000_000_000);
  // Not asked: the broker reports 0 whatever the backlog, which is not a publish time.
  assert.equal("earliestMsgPublishTimeInBacklog" in parse(doc, false), false);
  delete sub(doc)["earliestMsgPublishTimeInBacklog"];
  assert.equal("earliestMsgPublishTimeInBacklog" in parse(doc, true), false);
  sub(doc)["earliestMsgPublishTimeInBacklog"] = "soon";
  assert.throws(() => parse(doc, true), BadPayloadError);
});
