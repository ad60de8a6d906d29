import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NoFreshDataError } from "../../src/state/errors.js";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import { KeyTable } from "../../src/state/key-table.js";
import type { KeyTableOptions } from "../../src/state/key-table-types.js";
import { obs } from "../support/observation.js";

const KEY: WatchKey = { cluster: "c", topic: "persistent://t/ns/x", subscription: "s" };
const ANY: ActivationRule = { metric: "msgBacklog", threshold: 0 };
const SO = { namespace: "ns", name: "consumer" };
const T0 = 1_000_000;
const GRACE = 15_000;

/** KEY in use at T0 with an observation (backlog 3) at T0; default bounds (90 s, 15 s grace). */
function observed(opts: KeyTableOptions = {}): KeyTable {
  const table = new KeyTable(opts);
  table.touch(SO, KEY, ANY, undefined, T0);
  table.observation(KEY, obs(T0, 3));
  return table;
}

const unavailable = (pattern: RegExp) => (e: unknown) =>
  e instanceof NoFreshDataError && pattern.test(e.message);

void describe("KeyTable freshness: the error grace", () => {
  void it("polls failing for less than the grace are bridged; at the grace reads fail, naming the cause", () => {
    const table = observed();
    const first = T0 + 5000;
    table.error(KEY, new Error("connect ECONNREFUSED"), first);
    table.error(KEY, new Error("connect ECONNREFUSED"), first + 1000);
    assert.equal(table.read(KEY, ANY, first + GRACE - 1).value, 3, "within the grace: the last value");
    assert.throws(
      () => table.read(KEY, ANY, first + GRACE),
      unavailable(
        /every stats poll has failed for 15000 ms \(error grace 15000 ms\); newest observation is 20000 ms old; last error 14000 ms ago: Error: connect ECONNREFUSED/,
      ),
    );
    assert.equal(table.hasFreshData(KEY, first + GRACE), true, "still within the staleness bound");
  });

  void it("one good poll restores service at once, even an answer older than the newest kept", () => {
    const table = observed();
    table.error(KEY, new Error("503"), T0 + 1000);
    assert.throws(() => table.read(KEY, ANY, T0 + 1000 + GRACE), NoFreshDataError);
    table.observation(KEY, obs(T0 - 1, 9)); // a late answer of another watcher: not kept, but Pulsar answered
    assert.equal(table.read(KEY, ANY, T0 + 1000 + GRACE).value, 3);
    table.error(KEY, new Error("503"), T0 + 20_000);
    assert.equal(
      table.read(KEY, ANY, T0 + 20_000 + GRACE - 1).value,
      3,
      "the grace counts from the new failure",
    );
  });

  void it("a 429 (throttled) does not start the grace; the staleness bound still holds", () => {
    const table = observed();
    table.error(KEY, new Error("HTTP 429"), T0 + 1000, "throttled");
    assert.equal(table.read(KEY, ANY, T0 + 1000 + GRACE + 10).value, 3);
    assert.throws(() => table.read(KEY, ANY, T0 + 90_001), unavailable(/staleness bound 90000 ms/));
  });

  void it("the grace is the table's option; 0 fails reads from the first failed poll", () => {
    const table = observed({ errorGraceMs: 0 });
    table.error(KEY, new Error("timeout"), T0 + 10);
    assert.throws(() => table.read(KEY, ANY, T0 + 10), unavailable(/failed for 0 ms \(error grace 0 ms\)/));
  });

  void it("errors still never change activation (streams report the newest facts)", () => {
    const table = observed();
    table.openStream(KEY, ANY);
    table.error(KEY, new Error("down"), T0 + 1);
    assert.equal(table.activation(KEY, ANY), true);
  });
});

void describe("KeyTable freshness: what Pulsar says is missing", () => {
  for (const [why, named] of [
    ["topic", "topic persistent://t/ns/x does not exist"],
    ["subscription", "subscription s of topic persistent://t/ns/x does not exist"],
    ["namespace", "the namespace of topic persistent://t/ns/x does not exist"],
  ] as const) {
    void it(`a 404 for the ${why} fails reads at once, naming it; a good poll restores them`, () => {
      const table = observed();
      assert.deepEqual(table.error(KEY, new Error("HTTP 404"), T0 + 100, why), [], "no reader waits");
      assert.throws(
        () => table.read(KEY, ANY, T0 + 150),
        unavailable(new RegExp(`${named} \\(deleted, or never created\\): Pulsar answered 404 50 ms ago`)),
      );
      table.error(KEY, new Error("503"), T0 + 200);
      assert.throws(
        () => table.read(KEY, ANY, T0 + 250),
        unavailable(/does not exist/),
        "kept until a good poll",
      );
      table.observation(KEY, obs(T0 + 300, 1));
      assert.equal(table.read(KEY, ANY, T0 + 300).value, 1);
    });
  }

  void it("a 404 wakes the readers waiting for a key's first observation", () => {
    const table = new KeyTable();
    table.touch(SO, KEY, ANY, undefined, T0);
    const wait = table.waitForFirstObservation(KEY, T0);
    assert.ok(wait);
    assert.deepEqual(table.error(KEY, new Error("503"), T0 + 10), [], "a plain failure: it may still come");
    assert.deepEqual(table.error(KEY, new Error("HTTP 404"), T0 + 20, "topic"), [
      { kind: "wakeReaders", key: KEY, readers: [wait.reader] },
    ]);
    assert.throws(
      () => table.read(KEY, ANY, T0 + 20),
      unavailable(/topic persistent:\/\/t\/ns\/x does not exist/),
    );
  });
});
