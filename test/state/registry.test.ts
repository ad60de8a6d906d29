import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CapacityError } from "../../src/state/errors.js";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import { Registry, type RegistryOptions } from "../../src/state/registry.js";
import { FakeClock } from "../support/fake-clock.js";

const key = (sub: string): WatchKey => ({ cluster: "c", topic: "persistent://t/ns/x", subscription: sub });
const A = key("a");
const B = key("b");
const C = key("c");
const RULE: ActivationRule = { metric: "msgBacklog", threshold: 0 };
const so = (name: string) => ({ namespace: "ns", name });
const TTL = 600_000;

function setup(opts: RegistryOptions = {}) {
  const clock = new FakeClock();
  const reg = new Registry<string>(opts);
  const added: string[] = [];
  const removed: string[] = [];
  reg.on("keyAdded", (k, hint) => added.push(`${k.subscription}:${hint}`));
  reg.on("keyRemoved", (k) => removed.push(k.subscription));
  const touch = (name: string, k: WatchKey, rule = RULE) => reg.touch(so(name), k, rule, clock.now(), "h");
  return { clock, reg, added, removed, touch };
}

void describe("Registry", () => {
  void it("shares a key between ScaledObjects: one keyAdded", () => {
    const { reg, added, touch } = setup();
    touch("one", A);
    touch("two", A);
    touch("one", A);
    assert.deepEqual(added, ["a:h"]);
    assert.equal(reg.keyCount, 1);
    assert.equal(reg.scaledObjectCount, 2);
    assert.deepEqual(
      reg.usersOf(A).map((u) => u.so.name),
      ["one", "two"],
    );
  });

  void it("defaults: 10 min idle TTL, 1000 keys, 5000 ScaledObjects", () => {
    assert.deepEqual(new Registry().options, { keyIdleTtlMs: TTL, maxKeys: 1000, maxScaledObjects: 5000 });
  });

  void it("drops a key nobody asked about for keyIdleTtlMs, not a ms before", () => {
    const { clock, reg, removed, touch } = setup();
    touch("one", A);
    clock.advance(TTL - 1);
    assert.deepEqual(reg.sweep(clock.now()), []);
    clock.advance(1);
    assert.deepEqual(reg.sweep(clock.now()), [A]);
    assert.deepEqual(removed, ["a"]);
    assert.equal(reg.scaledObjectCount, 0);
  });

  void it("each call renews the idle time", () => {
    const { clock, reg, touch } = setup();
    touch("one", A);
    clock.advance(TTL - 1);
    touch("two", A);
    clock.advance(TTL - 1);
    assert.deepEqual(reg.sweep(clock.now()), []);
    assert.deepEqual(
      reg.usersOf(A).map((u) => u.so.name),
      ["two"],
      "one's use expired",
    );
  });

  void it("a pinned key (open stream) is kept however idle; unpin restarts the idle time", () => {
    const { clock, reg, touch } = setup();
    touch("one", A);
    reg.pin(A);
    clock.advance(3 * TTL);
    assert.deepEqual(reg.sweep(clock.now()), []);
    reg.unpin(A, clock.now());
    clock.advance(TTL - 1);
    assert.deepEqual(reg.sweep(clock.now()), []);
    clock.advance(1);
    assert.deepEqual(reg.sweep(clock.now()), [A]);
  });

  void it("a changed trigger uses the new key at once; the old key goes when its use expires", () => {
    const { clock, reg, touch } = setup();
    touch("one", A);
    clock.advance(1000);
    touch("one", B);
    assert.deepEqual(reg.keysOf(so("one")), [A, B]);
    clock.advance(TTL - 1000);
    assert.deepEqual(reg.sweep(clock.now()), [A]);
    assert.deepEqual(reg.keysOf(so("one")), [B]);
  });

  void it("a changed rule on the same key replaces the rule", () => {
    const { reg, touch } = setup();
    touch("one", A);
    touch("one", A, { metric: "msgBacklogNoDelayed", threshold: 3 });
    assert.deepEqual(
      reg.usersOf(A).map((u) => u.rule),
      [{ metric: "msgBacklogNoDelayed", threshold: 3 }],
    );
  });

  void it("maxKeys: a new key past the bound is a CapacityError with the numbers", () => {
    const { reg, touch } = setup({ maxKeys: 2 });
    touch("one", A);
    touch("two", B);
    assert.throws(
      () => touch("three", C),
      (e: unknown) =>
        e instanceof CapacityError &&
        /c\/persistent:\/\/t\/ns\/x\/c/.test(e.message) &&
        /2 keys .* maximum is 2 \(maxKeys\)/.test(e.message),
    );
    assert.equal(reg.keyCount, 2);
    assert.equal(reg.scaledObjectCount, 2, "the failed call left nothing behind");
    touch("three", A);
  });

  void it("maxScaledObjects: a new ScaledObject past the bound is a CapacityError", () => {
    const { touch } = setup({ maxScaledObjects: 1 });
    touch("one", A);
    touch("one", B);
    assert.throws(
      () => touch("two", A),
      /ns\/two: 1 ScaledObjects are known, the maximum is 1 \(maxScaledObjects\)/,
    );
  });

  void it("expired entries make room before a capacity error", () => {
    const { clock, reg, removed, touch } = setup({ maxKeys: 1 });
    touch("one", A);
    clock.advance(TTL);
    touch("two", B);
    assert.deepEqual(removed, ["a"]);
    assert.deepEqual(reg.keys(), [B]);
  });
});
