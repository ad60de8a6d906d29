import { test } from "node:test";
import assert from "node:assert/strict";
import type { SubscriptionSnapshot } from "../../src/pulsar/snapshot.js";
import { BacklogAge } from "../../src/watch/backlog-age.js";

const snap = (msgBacklog: number, earliest?: number): SubscriptionSnapshot => ({
  msgBacklog,
  msgBacklogNoDelayed: msgBacklog,
  unackedMessages: 0,
  type: "Shared",
  msgRateOut: 0,
  consumers: 0,
  ...(earliest === undefined ? {} : { earliestMsgPublishTimeInBacklog: earliest }),
});

void test("asks on the first read, then at most once per interval while the backlog is above 0", () => {
  const age = new BacklogAge(10_000);
  assert.equal(age.shouldAsk(0, undefined), true);
  assert.equal(age.ageOf(snap(5, -3_000 + 0), 0, true), 3);
  assert.equal(age.shouldAsk(5_000, undefined), false, "within the interval");
  // Between asking reads the age grows with the clock from the publish time last read.
  assert.equal(age.ageOf(snap(5), 5_000, false), 8);
  assert.equal(age.shouldAsk(10_000, undefined), true);
  // The oldest was acked: the next asking read says so.
  assert.equal(age.ageOf(snap(2, 9_000), 10_000, true), 1);
});

void test("no backlog: age 0 observed, and no asking until an arrival says there may be one", () => {
  const age = new BacklogAge(10_000);
  assert.equal(age.ageOf(snap(0, 0), 0, true), 0);
  assert.equal(age.shouldAsk(20_000, undefined), false, "backlog 0, nothing arrived");
  assert.equal(age.ageOf(snap(0), 20_000, false), 0);
  assert.equal(age.shouldAsk(30_000, 25_000), true, "an arrival since the last read");
  // A backlog found by a plain read with no publish time known: no age, and asked at once.
  const other = new BacklogAge(10_000);
  other.ageOf(snap(0, 0), 0, true);
  assert.equal(other.ageOf(snap(3), 1_000, false), undefined);
  assert.equal(other.shouldAsk(2_000, undefined), true, "once per backlog episode");
});

void test("a broker without the field gives no age, never a 0 or a guess", () => {
  const age = new BacklogAge(10_000);
  assert.equal(age.ageOf(snap(4), 0, true), undefined);
  assert.equal(age.ageOf(snap(0), 10_000, true), undefined);
});
