import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NoFreshDataError } from "../../src/state/errors.js";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import { StateStore, type ActivationEdge } from "../../src/state/store.js";
import { obs } from "../support/observation.js";

const KEY: WatchKey = { cluster: "c", topic: "persistent://t/ns/x", subscription: "s" };
const OTHER: WatchKey = { ...KEY, subscription: "other" };
const ANY: ActivationRule = { metric: "msgBacklog", threshold: 0 };
const OVER10: ActivationRule = { metric: "msgBacklog", threshold: 10 };
const NODELAY: ActivationRule = { metric: "msgBacklogNoDelayed", threshold: 0 };
const T0 = 1_000_000;

function storeWith(...rules: ActivationRule[]): { store: StateStore; edges: ActivationEdge[] } {
  const store = new StateStore({ stalenessMs: 1000 });
  store.addKey(KEY);
  for (const r of rules) store.subscribe(KEY, r);
  const edges: ActivationEdge[] = [];
  store.on("edge", (e) => edges.push(e));
  return { store, edges };
}

void describe("StateStore edges", () => {
  void it("arrival on an unknown key is an edge; repeats are not", () => {
    const { store, edges } = storeWith(ANY);
    assert.deepEqual(store.applyArrival(KEY, T0), [{ key: KEY, rule: ANY }]);
    assert.deepEqual(store.applyArrival(KEY, T0 + 1), []);
    assert.equal(edges.length, 1);
  });

  void it("inactive -> active by arrival, back by a newer observation, active again by the next arrival", () => {
    const { store, edges } = storeWith(ANY);
    assert.deepEqual(store.applyObservation(KEY, obs(T0, 0)), []);
    assert.equal(store.applyArrival(KEY, T0 + 10).length, 1);
    assert.deepEqual(store.applyObservation(KEY, obs(T0 + 5, 0)), [], "older request: still active");
    assert.equal(store.activation(KEY, ANY), true);
    assert.deepEqual(store.applyObservation(KEY, obs(T0 + 20, 0)), []);
    assert.equal(store.activation(KEY, ANY), false);
    assert.equal(store.applyArrival(KEY, T0 + 30).length, 1);
    assert.equal(edges.length, 2);
  });

  void it("observation over the threshold is an edge from unknown and from inactive", () => {
    const { store } = storeWith(ANY);
    assert.equal(store.applyObservation(KEY, obs(T0, 2)).length, 1);
    assert.equal(store.applyObservation(KEY, obs(T0 + 1, 3)).length, 0, "still active");
    assert.equal(store.applyObservation(KEY, obs(T0 + 2, 0)).length, 0, "going inactive is no edge");
    assert.equal(store.applyObservation(KEY, obs(T0 + 3, 1)).length, 1);
  });

  void it("two rules with different thresholds and metrics have their own edges", () => {
    const { store } = storeWith(ANY, OVER10, NODELAY);
    assert.deepEqual(store.applyObservation(KEY, obs(T0, 5, 0)), [{ key: KEY, rule: ANY }]);
    assert.deepEqual(store.applyObservation(KEY, obs(T0 + 1, 11, 0)), [{ key: KEY, rule: OVER10 }]);
    assert.deepEqual(store.applyObservation(KEY, obs(T0 + 2, 11, 1)), [{ key: KEY, rule: NODELAY }]);
    store.applyObservation(KEY, obs(T0 + 3, 0, 0));
    assert.deepEqual(
      store.applyArrival(KEY, T0 + 4).map((e) => e.rule),
      [ANY, OVER10, NODELAY],
      "an arrival activates every rule",
    );
  });

  void it("subscribing is never an edge; rules are ref-counted", () => {
    const { store } = storeWith();
    store.applyObservation(KEY, obs(T0, 0));
    store.subscribe(KEY, ANY);
    store.subscribe(KEY, ANY);
    assert.deepEqual(store.subscribedRules(KEY), [{ rule: ANY, refs: 2, active: false }]);
    store.unsubscribe(KEY, ANY);
    assert.equal(store.applyArrival(KEY, T0 + 1).length, 1, "one ref left");
    store.unsubscribe(KEY, ANY);
    store.unsubscribe(KEY, ANY);
    assert.deepEqual(store.subscribedRules(KEY), []);
    store.applyObservation(KEY, obs(T0 + 2, 0));
    assert.equal(store.applyArrival(KEY, T0 + 3).length, 0, "no subscriber, no edge");
  });

  void it("staleness is not an edge: active, stale, active again", () => {
    const { store, edges } = storeWith(ANY);
    store.applyObservation(KEY, obs(T0, 3));
    assert.throws(() => store.read(KEY, ANY, T0 + 5000), NoFreshDataError);
    store.applyObservation(KEY, obs(T0 + 5000, 3));
    assert.equal(edges.length, 1);
  });

  void it("errors never change activation", () => {
    const { store } = storeWith(ANY);
    store.applyObservation(KEY, obs(T0, 3));
    assert.deepEqual(store.applyError(KEY, new Error("x"), T0 + 1), []);
    assert.equal(store.activation(KEY, ANY), true);
  });
});

void describe("StateStore reads", () => {
  void it("no observation yet: NoFreshDataError naming the key and the last error", () => {
    const { store } = storeWith();
    store.applyError(KEY, new TypeError("connect ECONNREFUSED"), T0);
    assert.throws(
      () => store.read(KEY, ANY, T0 + 250),
      (e: unknown) =>
        e instanceof NoFreshDataError &&
        e.message.includes("c/persistent://t/ns/x/s") &&
        e.message.includes("no stats observed yet") &&
        e.message.includes("250 ms ago: TypeError: connect ECONNREFUSED"),
    );
  });

  void it("serves the value up to the staleness bound exactly, not one ms after", () => {
    const { store } = storeWith();
    store.applyObservation(KEY, obs(T0, 7));
    assert.deepEqual(store.read(KEY, ANY, T0 + 1000), { value: 7, active: true, observedAt: T0 });
    assert.throws(
      () => store.read(KEY, ANY, T0 + 1001),
      (e: unknown) =>
        e instanceof NoFreshDataError &&
        e.message.includes("1001 ms old (staleness bound 1000 ms)") &&
        e.message.includes("no error recorded"),
    );
  });

  void it("error then recovery: the new observation is served", () => {
    const { store } = storeWith();
    store.applyObservation(KEY, obs(T0, 1));
    store.applyError(KEY, new Error("503"), T0 + 900);
    assert.equal(store.read(KEY, ANY, T0 + 950).value, 1, "last good value within the bound");
    assert.throws(() => store.read(KEY, ANY, T0 + 1500), /503/);
    store.applyObservation(KEY, obs(T0 + 1600, 4));
    assert.equal(store.read(KEY, ANY, T0 + 1700).value, 4);
  });

  void it("reads the rule's metric", () => {
    const { store } = storeWith();
    store.applyObservation(KEY, obs(T0, 9, 2));
    assert.deepEqual(store.read(KEY, NODELAY, T0), { value: 2, active: true, observedAt: T0 });
    assert.deepEqual(store.read(KEY, OVER10, T0), { value: 9, active: false, observedAt: T0 });
  });

  void it("per-key staleness bound", () => {
    const { store } = storeWith();
    store.addKey(OTHER, { stalenessMs: 10 });
    store.applyObservation(OTHER, obs(T0, 1));
    assert.equal(store.hasFreshData(OTHER, T0 + 10), true);
    assert.equal(store.hasFreshData(OTHER, T0 + 11), false);
  });
});

void describe("StateStore keys", () => {
  void it("emits firstObservation once", () => {
    const { store } = storeWith();
    const seen: number[] = [];
    store.on("firstObservation", (_k, o) => seen.push(o.observedAt));
    store.applyObservation(KEY, obs(T0, 0));
    store.applyObservation(KEY, obs(T0 + 1, 0));
    assert.deepEqual(seen, [T0]);
  });

  void it("ignores reports for a key it does not hold, and forgets removed keys", () => {
    const { store } = storeWith(ANY);
    assert.deepEqual(store.applyArrival(OTHER, T0), []);
    assert.equal(store.has(OTHER), false);
    const removed: WatchKey[] = [];
    store.on("keyRemoved", (k) => removed.push(k));
    assert.equal(store.removeKey(KEY), true);
    assert.equal(store.removeKey(KEY), false);
    assert.deepEqual(removed, [KEY]);
    assert.deepEqual(store.applyArrival(KEY, T0), []);
    assert.throws(() => store.read(KEY, ANY, T0), /not watched/);
  });
});
