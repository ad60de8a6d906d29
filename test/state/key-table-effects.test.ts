import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import { KeyTable } from "../../src/state/key-table.js";
import { FakeClock } from "../support/fake-clock.js";
import { obs } from "../support/observation.js";

const key = (sub: string): WatchKey => ({ cluster: "c", topic: "persistent://t/ns/x", subscription: sub });
const K = key("s");
const K2 = key("t");
const ANY: ActivationRule = { metric: "msgBacklog", threshold: 0 };
const SO = { namespace: "ns", name: "consumer" };
const WAIT = 2000;
const TTL = 10_000;

function setup() {
  const clock = new FakeClock();
  const table = new KeyTable<string, "connected" | "disconnected">({
    firstReadWaitMs: WAIT,
    keyIdleTtlMs: TTL,
  });
  const touch = (k = K) => table.touch(SO, k, ANY, `hint-${k.subscription}`, clock.now());
  const wait = (k = K) => table.waitForFirstObservation(k, clock.now());
  return { clock, table, touch, wait };
}

void describe("KeyTable effects: first reads", () => {
  void it("a reader of a new key waits until addedAt + firstReadWaitMs; the first observation wakes every reader once", () => {
    const { clock, table, touch, wait } = setup();
    const added = clock.now();
    touch();
    const r1 = wait();
    clock.advance(500);
    const r2 = wait();
    assert.deepEqual(r1 && { deadline: r1.deadline }, { deadline: added + WAIT });
    assert.equal(r2?.deadline, added + WAIT, "the deadline is per key, not per reader");
    assert.notEqual(r1?.reader, r2?.reader);
    assert.deepEqual(table.observation(K, obs(clock.now(), 0)), [
      { kind: "wakeReaders", key: K, readers: [r1?.reader, r2?.reader] },
    ]);
    assert.deepEqual(table.observation(K, obs(clock.now() + 1, 0)), [], "only the first observation wakes");
    assert.equal(wait(), undefined, "observed: no wait");
  });

  void it("an older observation is not a first one when it is not recorded; a reader is woken with the edges", () => {
    const { clock, table, touch, wait } = setup();
    touch();
    table.openStream(K, ANY);
    const r = wait();
    const effects = table.observation(K, obs(clock.now(), 3));
    assert.deepEqual(effects, [
      { kind: "edge", key: K, rule: ANY },
      { kind: "wakeReaders", key: K, readers: [r?.reader] },
    ]);
    assert.deepEqual(table.observation(K, obs(clock.now() - 1, 0)), [], "older: ignored");
  });

  void it("the first-read deadline: expireFirstReads wakes a key's readers at its deadline, not a ms before", () => {
    const { clock, table, touch, wait } = setup();
    touch();
    const r = wait();
    clock.advance(1000);
    touch(K2);
    const later = wait(K2);
    clock.advance(WAIT - 1000 - 1);
    assert.deepEqual(table.expireFirstReads(clock.now()), []);
    clock.advance(1);
    assert.deepEqual(table.expireFirstReads(clock.now()), [
      { kind: "wakeReaders", key: K, readers: [r?.reader] },
    ]);
    assert.equal(wait(), undefined, "past the deadline, reads answer at once");
    assert.deepEqual(table.expireFirstReads(clock.now()), [], "woken once; K2's deadline is later");
    clock.advance(1000);
    assert.deepEqual(table.expireFirstReads(clock.now()), [
      { kind: "wakeReaders", key: K2, readers: [later?.reader] },
    ]);
  });

  void it("a removed key: stopWatch, then its waiting readers are woken", () => {
    const { clock, table, touch, wait } = setup();
    touch();
    const r = wait();
    clock.advance(TTL);
    assert.deepEqual(table.sweep(clock.now()), [
      { kind: "stopWatch", key: K },
      { kind: "wakeReaders", key: K, readers: [r?.reader] },
    ]);
    assert.equal(wait(), undefined, "not in the table: nothing to wait for");
  });

  void it("wakeAllReaders wakes every waiting reader of every key (shutdown)", () => {
    const { table, touch, wait } = setup();
    touch();
    touch(K2);
    const a = wait();
    const b = wait(K2);
    assert.deepEqual(table.wakeAllReaders(), [
      { kind: "wakeReaders", key: K, readers: [a?.reader] },
      { kind: "wakeReaders", key: K2, readers: [b?.reader] },
    ]);
    assert.deepEqual(table.wakeAllReaders(), []);
  });

  void it("a key that is not in the table has no first read to wait for", () => {
    const { wait } = setup();
    assert.equal(wait(), undefined);
  });
});

void describe("KeyTable effects: watching and facts", () => {
  void it("startWatch carries the first caller's hint; later callers' hints are not used", () => {
    const { clock, table } = setup();
    assert.deepEqual(table.touch(SO, K, ANY, "first", clock.now()), [
      { kind: "startWatch", key: K, hint: "first" },
    ]);
    assert.deepEqual(table.touch({ ...SO, name: "other" }, K, ANY, "second", clock.now()), []);
  });

  void it("errors and the arrival reader's state are recorded without effects", () => {
    const { clock, table, touch } = setup();
    touch();
    assert.deepEqual(table.arrivalsStatus(K, "connected"), []);
    assert.deepEqual(table.error(K, new Error("boom"), clock.now()), []);
    const r = table.report(K, clock.now());
    assert.equal(r?.arrivals, "connected");
    assert.equal(r?.lastError?.message, "boom");
    assert.equal(r?.scaledObjects, 1);
    assert.equal(r?.streams, 0);
  });

  void it("closing a stream of a key not in the table is a no-op", () => {
    const { clock, table } = setup();
    assert.deepEqual(table.openStream(K, ANY), []);
    assert.deepEqual(table.closeStream(K, ANY, clock.now()), []);
    assert.equal(table.has(K), false);
  });
});
