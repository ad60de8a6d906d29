import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NoFreshDataError } from "../../src/state/errors.js";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import { KeyTable } from "../../src/state/key-table.js";
import type { KeyTableOptions } from "../../src/state/key-table-types.js";
import { obs } from "../support/observation.js";

const KEY: WatchKey = { cluster: "c", topic: "persistent://t/ns/x", subscription: "s" };
const OTHER: WatchKey = { ...KEY, subscription: "other" };
const ANY: ActivationRule = { metric: "msgBacklog", threshold: 0 };
const OVER10: ActivationRule = { metric: "msgBacklog", threshold: 10 };
const NODELAY: ActivationRule = { metric: "msgBacklogNoDelayed", threshold: 0 };
const SO = { namespace: "ns", name: "consumer" };
const T0 = 1_000_000;
const edge = (rule: ActivationRule) => ({ kind: "edge", key: KEY, rule });

/** KEY in use at T0, with a stream open per rule; staleness bound 1 s. */
function tableWith(rules: ActivationRule[], opts: KeyTableOptions = {}): KeyTable {
  const table = new KeyTable({ stalenessMs: 1000, ...opts });
  table.touch(SO, KEY, ANY, undefined, T0);
  for (const r of rules) table.openStream(KEY, r);
  return table;
}

void describe("KeyTable edges", () => {
  void it("arrival on an unknown key is an edge; repeats are not", () => {
    const table = tableWith([ANY]);
    assert.deepEqual(table.arrival(KEY, T0), [edge(ANY)]);
    assert.deepEqual(table.arrival(KEY, T0 + 1), []);
  });

  void it("inactive -> active by arrival, back by a newer observation, active again by the next arrival", () => {
    const table = tableWith([ANY]);
    assert.deepEqual(table.observation(KEY, obs(T0, 0)), []);
    assert.deepEqual(table.arrival(KEY, T0 + 10), [edge(ANY)]);
    assert.deepEqual(table.observation(KEY, obs(T0 + 5, 0)), [], "older request: still active");
    assert.equal(table.activation(KEY, ANY), true);
    assert.deepEqual(table.observation(KEY, obs(T0 + 20, 0)), []);
    assert.equal(table.activation(KEY, ANY), false);
    assert.deepEqual(table.arrival(KEY, T0 + 30), [edge(ANY)]);
  });

  void it("observation over the threshold is an edge from unknown and from inactive", () => {
    const table = tableWith([ANY]);
    assert.equal(table.observation(KEY, obs(T0, 2)).length, 1);
    assert.equal(table.observation(KEY, obs(T0 + 1, 3)).length, 0, "still active");
    assert.equal(table.observation(KEY, obs(T0 + 2, 0)).length, 0, "going inactive is no edge");
    assert.equal(table.observation(KEY, obs(T0 + 3, 1)).length, 1);
  });

  void it("two rules with different thresholds and metrics have their own edges", () => {
    const table = tableWith([ANY, OVER10, NODELAY]);
    assert.deepEqual(table.observation(KEY, obs(T0, 5, 0)), [edge(ANY)]);
    assert.deepEqual(table.observation(KEY, obs(T0 + 1, 11, 0)), [edge(OVER10)]);
    assert.deepEqual(table.observation(KEY, obs(T0 + 2, 11, 1)), [edge(NODELAY)]);
    table.observation(KEY, obs(T0 + 3, 0, 0));
    assert.deepEqual(
      table.arrival(KEY, T0 + 4),
      [edge(ANY), edge(OVER10), edge(NODELAY)],
      "an arrival activates every rule",
    );
  });

  void it("opening a stream is never an edge; rules are ref-counted", () => {
    const table = tableWith([]);
    table.observation(KEY, obs(T0, 0));
    assert.deepEqual(table.openStream(KEY, ANY), []);
    assert.deepEqual(table.openStream(KEY, ANY), []);
    assert.deepEqual(table.subscribedRules(KEY), [{ rule: ANY, refs: 2, active: false }]);
    table.closeStream(KEY, ANY, T0);
    assert.equal(table.arrival(KEY, T0 + 1).length, 1, "one ref left");
    table.closeStream(KEY, ANY, T0 + 1);
    table.closeStream(KEY, ANY, T0 + 1);
    assert.deepEqual(table.subscribedRules(KEY), []);
    table.observation(KEY, obs(T0 + 2, 0));
    assert.deepEqual(table.arrival(KEY, T0 + 3), [], "no subscriber, no edge");
  });

  void it("staleness is not an edge: active, stale, active again", () => {
    const table = tableWith([ANY]);
    assert.deepEqual(table.observation(KEY, obs(T0, 3)), [edge(ANY)]);
    assert.throws(() => table.read(KEY, ANY, T0 + 5000), NoFreshDataError);
    assert.deepEqual(table.observation(KEY, obs(T0 + 5000, 3)), []);
  });

  void it("errors never change activation", () => {
    const table = tableWith([ANY]);
    table.observation(KEY, obs(T0, 3));
    assert.deepEqual(table.error(KEY, new Error("x"), T0 + 1), []);
    assert.equal(table.activation(KEY, ANY), true);
  });
});

void describe("KeyTable reads", () => {
  void it("no observation yet: NoFreshDataError naming the key and the last error", () => {
    const table = tableWith([]);
    table.error(KEY, new TypeError("connect ECONNREFUSED"), T0);
    assert.throws(
      () => table.read(KEY, ANY, T0 + 250),
      (e: unknown) =>
        e instanceof NoFreshDataError &&
        e.message.includes("c/persistent://t/ns/x/s") &&
        e.message.includes("no stats observed yet") &&
        e.message.includes("250 ms ago: TypeError: connect ECONNREFUSED"),
    );
  });

  void it("serves the value up to the staleness bound exactly, not one ms after", () => {
    const table = tableWith([]);
    table.observation(KEY, obs(T0, 7));
    assert.deepEqual(table.read(KEY, ANY, T0 + 1000), { value: 7, active: true, observedAt: T0 });
    assert.throws(
      () => table.read(KEY, ANY, T0 + 1001),
      (e: unknown) =>
        e instanceof NoFreshDataError &&
        e.message.includes("1001 ms old (staleness bound 1000 ms)") &&
        e.message.includes("no error recorded"),
    );
  });

  void it("error then recovery: the new observation is served", () => {
    const table = tableWith([]);
    table.observation(KEY, obs(T0, 1));
    table.error(KEY, new Error("503"), T0 + 900);
    assert.equal(table.read(KEY, ANY, T0 + 950).value, 1, "last good value within the bound");
    assert.throws(() => table.read(KEY, ANY, T0 + 1500), /503/);
    table.observation(KEY, obs(T0 + 1600, 4));
    assert.equal(table.read(KEY, ANY, T0 + 1700).value, 4);
  });

  void it("reads the rule's metric", () => {
    const table = tableWith([]);
    table.observation(KEY, obs(T0, 9, 2));
    assert.deepEqual(table.read(KEY, NODELAY, T0), { value: 2, active: true, observedAt: T0 });
    assert.deepEqual(table.read(KEY, OVER10, T0), { value: 9, active: false, observedAt: T0 });
  });

  void it("the staleness bound is the table's option", () => {
    const table = tableWith([], { stalenessMs: 10 });
    table.observation(KEY, obs(T0, 1));
    assert.equal(table.hasFreshData(KEY, T0 + 10), true);
    assert.equal(table.hasFreshData(KEY, T0 + 11), false);
  });
});

void describe("KeyTable keys", () => {
  void it("ignores reports for a key it does not hold, and forgets removed keys", () => {
    const table = tableWith([], { keyIdleTtlMs: 1000 });
    assert.deepEqual(table.arrival(OTHER, T0), []);
    assert.deepEqual(table.observation(OTHER, obs(T0, 1)), []);
    assert.deepEqual(table.error(OTHER, new Error("late"), T0), []);
    assert.equal(table.has(OTHER), false);
    assert.deepEqual(table.sweep(T0 + 1000), [{ kind: "stopWatch", key: KEY }]);
    assert.deepEqual(table.sweep(T0 + 1000), [], "removed once");
    assert.deepEqual(table.arrival(KEY, T0), []);
    assert.throws(() => table.read(KEY, ANY, T0), /not watched/);
  });
});
