import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CapacityError } from "../../src/state/errors.js";
import type { KeyEffect } from "../../src/state/key-effects.js";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import { KeyTable } from "../../src/state/key-table.js";
import type { KeyTableOptions } from "../../src/state/key-table-types.js";
import { FakeClock } from "../support/fake-clock.js";
import { obs } from "../support/observation.js";

const key = (sub: string): WatchKey => ({ cluster: "c", topic: "persistent://t/ns/x", subscription: sub });
const A = key("a");
const B = key("b");
const C = key("c");
const RULE: ActivationRule = { metric: "msgBacklog", threshold: 0 };
const so = (name: string) => ({ namespace: "ns", name });
const TTL = 600_000;

/**
 * A table with string hints; `added`/`removed` record the startWatch/stopWatch effects in order.
 * Each key touched is observed at once (healthy), so the idle TTL is `keyIdleTtlMs`; never-healthy
 * keys (60 s) are the business of key-table-capacity.test.ts and the test at the end of this file.
 */
function setup(opts: KeyTableOptions = {}) {
  const clock = new FakeClock();
  const table = new KeyTable<string>(opts);
  const added: string[] = [];
  const removed: string[] = [];
  const record = (effects: KeyEffect<string>[]) => {
    for (const e of effects) {
      if (e.kind === "startWatch") added.push(`${e.key.subscription}:${e.hint}`);
      if (e.kind === "stopWatch") removed.push(e.key.subscription);
    }
    return effects;
  };
  const touch = (name: string, k: WatchKey, rule = RULE) => {
    const effects = record(table.touch(so(name), k, rule, "h", clock.now()));
    if (table.partitionsOf(k) === undefined) table.observation(k, obs(clock.now(), 0));
    return effects;
  };
  const sweep = () => record(table.sweep(clock.now()));
  return { clock, table, added, removed, touch, sweep };
}

void describe("KeyTable interest", () => {
  void it("shares a key between ScaledObjects: one startWatch", () => {
    const { table, added, touch } = setup();
    assert.deepEqual(touch("one", A), [{ kind: "startWatch", key: A, hint: "h" }]);
    assert.deepEqual(touch("two", A), []);
    assert.deepEqual(touch("one", A), []);
    assert.deepEqual(added, ["a:h"]);
    assert.equal(table.keyCount, 1);
    assert.equal(table.scaledObjectCount, 2);
    assert.deepEqual(
      table.usersOf(A).map((u) => u.so.name),
      ["one", "two"],
    );
  });

  void it("defaults: 10 min idle TTL, 1000 keys, 5000 ScaledObjects, 90 s staleness, 15 s error grace, 2 s first read, 60 s never-healthy", () => {
    assert.deepEqual(new KeyTable().options, {
      keyIdleTtlMs: TTL,
      maxKeys: 1000,
      maxScaledObjects: 5000,
      stalenessMs: 90_000,
      errorGraceMs: 15_000,
      firstReadWaitMs: 2000,
      neverHealthyTtlMs: 60_000,
    });
  });

  void it("drops a key nobody asked about for keyIdleTtlMs, not a ms before", () => {
    const { clock, table, removed, touch, sweep } = setup();
    touch("one", A);
    clock.advance(TTL - 1);
    assert.deepEqual(sweep(), []);
    clock.advance(1);
    assert.deepEqual(sweep(), [{ kind: "stopWatch", key: A }]);
    assert.deepEqual(removed, ["a"]);
    assert.equal(table.scaledObjectCount, 0);
    assert.equal(table.has(A), false);
  });

  void it("each call renews the idle time", () => {
    const { clock, table, touch, sweep } = setup();
    touch("one", A);
    clock.advance(TTL - 1);
    touch("two", A);
    clock.advance(TTL - 1);
    assert.deepEqual(sweep(), []);
    assert.deepEqual(
      table.usersOf(A).map((u) => u.so.name),
      ["two"],
      "one's use expired",
    );
  });

  void it("a key with an open stream is kept however idle; closing it restarts the idle time", () => {
    const { clock, table, touch, sweep } = setup();
    touch("one", A);
    assert.deepEqual(table.openStream(A, RULE), []);
    assert.equal(table.streamsOf(A), 1);
    clock.advance(3 * TTL);
    assert.deepEqual(sweep(), []);
    assert.deepEqual(table.closeStream(A, RULE, clock.now()), []);
    assert.equal(table.streamsOf(A), 0);
    clock.advance(TTL - 1);
    assert.deepEqual(sweep(), []);
    clock.advance(1);
    assert.deepEqual(sweep(), [{ kind: "stopWatch", key: A }]);
  });

  void it("a changed trigger uses the new key at once; the old key goes when its use expires", () => {
    const { clock, table, touch, sweep } = setup();
    touch("one", A);
    clock.advance(1000);
    touch("one", B);
    assert.deepEqual(table.keysOf(so("one")), [A, B]);
    clock.advance(TTL - 1000);
    assert.deepEqual(sweep(), [{ kind: "stopWatch", key: A }]);
    assert.deepEqual(table.keysOf(so("one")), [B]);
  });

  void it("a changed rule on the same key replaces the rule", () => {
    const { table, touch } = setup();
    touch("one", A);
    touch("one", A, { metric: "msgBacklogNoDelayed", threshold: 3 });
    assert.deepEqual(
      table.usersOf(A).map((u) => u.rule),
      [{ metric: "msgBacklogNoDelayed", threshold: 3 }],
    );
  });

  void it("maxKeys: a new key past the bound is refused with a CapacityError with the numbers", () => {
    const { table, added, touch } = setup({ maxKeys: 2 });
    touch("one", A);
    touch("two", B);
    const effects = touch("three", C);
    assert.equal(effects.length, 1);
    const refused = effects[0];
    assert.equal(refused?.kind, "capacityRefused");
    assert.deepEqual(refused.key, C);
    assert.ok(refused.error instanceof CapacityError);
    assert.match(refused.error.message, /c\/persistent:\/\/t\/ns\/x\/c/);
    assert.match(refused.error.message, /2 keys .* maximum is 2 \(maxKeys\)/);
    assert.equal(table.keyCount, 2);
    assert.equal(table.scaledObjectCount, 2, "the refused call left nothing behind");
    assert.deepEqual(added, ["a:h", "b:h"]);
    assert.deepEqual(touch("three", A), []);
  });

  void it("maxScaledObjects: a new ScaledObject past the bound is refused", () => {
    const { touch } = setup({ maxScaledObjects: 1 });
    touch("one", A);
    touch("one", B);
    const [refused] = touch("two", A);
    assert.equal(refused?.kind, "capacityRefused");
    assert.ok(refused.error instanceof CapacityError);
    assert.match(
      refused.error.message,
      /ns\/two: 1 ScaledObjects are known, the maximum is 1 \(maxScaledObjects\)/,
    );
  });

  void it("expired entries make room before a capacity refusal: the old key stops, the new one starts", () => {
    const { clock, table, removed, touch } = setup({ maxKeys: 1 });
    touch("one", A);
    clock.advance(TTL);
    assert.deepEqual(touch("two", B), [
      { kind: "stopWatch", key: A },
      { kind: "startWatch", key: B, hint: "h" },
    ]);
    assert.deepEqual(removed, ["a"]);
    assert.deepEqual(table.keys(), [B]);
  });

  void it("a refusal comes after the effects of the sweep it made first", () => {
    const { clock, touch } = setup({ maxScaledObjects: 1 });
    touch("one", A);
    clock.advance(TTL);
    touch("one", B);
    const effects = touch("two", C);
    assert.deepEqual(
      effects.map((e) => e.kind),
      ["stopWatch", "capacityRefused"],
      "one's use of A expired and A was dropped; one still uses B, so two does not fit",
    );
    assert.deepEqual(effects[0], { kind: "stopWatch", key: A });
  });
});

void describe("KeyTable ghost keys", () => {
  void it("a key never observed goes after neverHealthyTtlMs without a call, not the 10 min idle TTL", () => {
    const table = new KeyTable<string>();
    const t0 = 1_000_000;
    table.touch(so("ghost"), A, RULE, "h", t0);
    table.touch(so("real"), B, RULE, "h", t0);
    table.observation(B, obs(t0, 0));
    table.touch(so("streamed"), C, RULE, "h", t0);
    table.openStream(C, RULE);
    assert.deepEqual(table.sweep(t0 + 59_999), []);
    assert.deepEqual(table.sweep(t0 + 60_000), [{ kind: "stopWatch", key: A }]);
    assert.deepEqual(
      table.keys().map((k) => k.subscription),
      ["b", "c"],
      "an observed key and a streamed one stay",
    );
    assert.equal(table.scaledObjectCount, 2, "the ghost's ScaledObject went with its only use");
  });

  void it("the ghost time is the table's option, and a call renews it", () => {
    const table = new KeyTable<string>({ neverHealthyTtlMs: 5000 });
    table.touch(so("ghost"), A, RULE, "h", 0);
    table.touch(so("ghost"), A, RULE, "h", 4000);
    assert.deepEqual(table.sweep(8999), []);
    assert.deepEqual(table.sweep(9000), [{ kind: "stopWatch", key: A }]);
  });
});
