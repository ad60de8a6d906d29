import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CapacityError } from "../../src/state/errors.js";
import type { KeyEffect } from "../../src/state/key-effects.js";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import { KeyTable } from "../../src/state/key-table.js";
import { KEY_TABLE_DEFAULTS, type KeyTableOptions } from "../../src/state/key-table-types.js";
import { FakeClock } from "../support/fake-clock.js";
import { obs } from "../support/observation.js";

// Capacity that recovers: what never was healthy goes once quiet for neverHealthyTtlMs (the sweep
// that runs before a refusal drops it); healthy keys (an observation, an open stream) and the
// ScaledObjects using them never do.

const key = (sub: string): WatchKey => ({ cluster: "c", topic: "persistent://t/ns/x", subscription: sub });
const RULE: ActivationRule = { metric: "msgBacklog", threshold: 0 };
const so = (name: string) => ({ namespace: "ns", name });
const SHORT = KEY_TABLE_DEFAULTS.neverHealthyTtlMs;

function setup(opts: KeyTableOptions) {
  const clock = new FakeClock();
  const table = new KeyTable<string>(opts);
  const touch = (name: string, k: WatchKey) => table.touch(so(name), k, RULE, "h", clock.now());
  const observe = (k: WatchKey) => table.observation(k, obs(clock.now(), 3));
  const refused = (effects: KeyEffect<string>[]) => effects.find((e) => e.kind === "capacityRefused");
  const kinds = (effects: KeyEffect<string>[]) => effects.map((e) => e.kind);
  return { clock, table, touch, observe, refused, kinds };
}

void describe("KeyTable capacity", () => {
  void it("the default never-healthy time is 60 s, well under the 10 min idle TTL", () => {
    assert.equal(SHORT, 60_000);
    assert.ok(SHORT < KEY_TABLE_DEFAULTS.keyIdleTtlMs);
  });

  void it("5,200 junk ScaledObject names fill the table; a legitimate one gets in once they are quiet for 60 s", () => {
    const { clock, table, touch, refused } = setup({});
    const junk = key("never-exists");
    for (let i = 0; i < 5200; i++) touch(`junk-${i}`, junk);
    assert.equal(table.scaledObjectCount, 5000);
    const legit = key("orders");
    clock.advance(SHORT - 1);
    const early = refused(touch("legit", legit));
    assert.ok(early?.kind === "capacityRefused" && early.error instanceof CapacityError);
    assert.equal(early.error.what, "scaled_objects");
    clock.advance(1);
    const effects = touch("legit", legit);
    assert.equal(refused(effects), undefined);
    assert.deepEqual(effects, [
      { kind: "stopWatch", key: junk },
      { kind: "startWatch", key: legit, hint: "h" },
    ]);
    assert.deepEqual(table.keysOf(so("legit")), [legit]);
    // The junk key never had an observation: quiet for 60 s, every use of it expired (not only one
    // ScaledObject's, as when the table gave one place at a time), and so did the key.
    assert.equal(table.usersOf(junk).length, 0, "every quiet junk ScaledObject gave its place");
    assert.equal(table.scaledObjectCount, 1);
    assert.equal(table.has(junk), false);
  });

  void it("junk keys fill maxKeys; a legitimate key evicts the quietest never-observed one (stopWatch, readers woken)", () => {
    const { clock, table, touch, refused, kinds } = setup({ maxKeys: 3 });
    touch("j1", key("j1"));
    clock.advance(1000);
    touch("j2", key("j2"));
    touch("j3", key("j3"));
    const r = refused(touch("legit", key("legit")));
    assert.ok(r?.kind === "capacityRefused");
    assert.equal(r.error.what, "keys");
    clock.advance(SHORT - 1000);
    const effects = touch("legit", key("legit"));
    assert.deepEqual(kinds(effects), ["stopWatch", "startWatch"]);
    assert.deepEqual(effects[0], { kind: "stopWatch", key: key("j1") });
    assert.equal(table.has(key("j1")), false);
    assert.equal(table.keysOf(so("j1")).length, 0);
    assert.equal(table.scaledObjectCount, 3, "j1 went with its only key");
    assert.ok(refused(touch("legit2", key("legit2"))), "j2 and j3 are quiet for only 59 s");
  });

  void it("a key waiting for its first observation is woken when it gives its place", () => {
    const { clock, table, touch, kinds } = setup({ maxKeys: 1, firstReadWaitMs: 2 * SHORT });
    touch("j1", key("j1"));
    const wait = table.waitForFirstObservation(key("j1"), clock.now());
    assert.ok(wait);
    clock.advance(SHORT);
    const effects = touch("legit", key("legit"));
    assert.deepEqual(kinds(effects), ["stopWatch", "wakeReaders", "startWatch"]);
  });

  void it("healthy keys are never evicted by junk: observed (however long ago) or streamed", () => {
    const { clock, table, touch, observe, refused } = setup({ maxKeys: 2, maxScaledObjects: 3 });
    touch("observed", key("a"));
    observe(key("a"));
    touch("streamed", key("b"));
    table.openStream(key("b"), RULE);
    const keda = () => [touch("observed", key("a")), touch("streamed", key("b"))];
    clock.advance(5 * SHORT);
    for (let i = 0; i < 100; i++) {
      const r = refused(touch(`junk-${i}`, key(`junk-${i}`)));
      assert.ok(r?.kind === "capacityRefused" && r.error.what === "keys");
      clock.advance(SHORT);
      keda(); // unasked, a use expires after keyIdleTtlMs (key-table-interest.test.ts)
    }
    assert.deepEqual(
      table.keys().map((k) => k.subscription),
      ["a", "b"],
    );
    // ScaledObjects using healthy keys are not evicted either.
    touch("third", key("a"));
    clock.advance(5 * SHORT);
    keda();
    const r = refused(touch("junk-so", key("a")));
    assert.ok(r?.kind === "capacityRefused" && r.error.what === "scaled_objects");
    assert.deepEqual(
      table.usersOf(key("a")).map((u) => u.so.name),
      ["observed", "third"],
    );
  });

  void it("a never-healthy ScaledObject that keeps calling keeps its place; the quiet one goes", () => {
    const { clock, table, touch, refused } = setup({ maxScaledObjects: 2 });
    const k = key("missing-topic");
    touch("calls-again", k);
    touch("quiet", k);
    clock.advance(SHORT / 2);
    touch("calls-again", k);
    clock.advance(SHORT / 2);
    assert.equal(refused(touch("new", k)), undefined);
    assert.deepEqual(
      table.usersOf(k).map((u) => u.so.name),
      ["calls-again", "new"],
    );
    assert.ok(refused(touch("newer", k)), "calls-again was asked about 30 s ago");
  });

  void it("an evicted ScaledObject's never-healthy key goes with it when nothing else uses it", () => {
    const { clock, table, touch, kinds } = setup({ maxScaledObjects: 1 });
    touch("junk", key("junk"));
    clock.advance(SHORT);
    const effects = touch("legit", key("legit"));
    assert.deepEqual(kinds(effects), ["stopWatch", "startWatch"]);
    assert.deepEqual(
      table.keys().map((k) => k.subscription),
      ["legit"],
    );
  });
});
