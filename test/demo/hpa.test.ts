import assert from "node:assert/strict";
import { test } from "node:test";
import {
  desiredReplicas,
  initialHpa,
  onPush,
  onReading,
  type HpaPolicy,
  type HpaState,
} from "../../src/demo/hpa.js";

const policy: HpaPolicy = { threshold: 10, minReplicas: 0, maxReplicas: 10, cooldownMs: 2000 };

void test("desiredReplicas: ceil(backlog / threshold) within max(1, min)..max", () => {
  assert.equal(desiredReplicas(policy, 0), 1);
  assert.equal(desiredReplicas(policy, 1), 1);
  assert.equal(desiredReplicas(policy, 10), 1);
  assert.equal(desiredReplicas(policy, 11), 2);
  assert.equal(desiredReplicas(policy, 40), 4);
  assert.equal(desiredReplicas(policy, 10_000), 10);
  assert.equal(desiredReplicas({ ...policy, minReplicas: 3 }, 5), 3);
  assert.equal(desiredReplicas({ ...policy, threshold: 2.5 }, 6), 3);
});

void test("a push scales from zero to max(1, min) at once and records the active time", () => {
  const s0 = initialHpa(policy);
  assert.equal(s0.replicas, 0);
  const step = onPush(policy, s0, 1000);
  assert.deepEqual(step, { state: { replicas: 1, lastActiveAt: 1000 }, from: 0, reason: "activation" });
  const again = onPush(policy, step.state, 1500);
  assert.equal(again.reason, undefined);
  assert.equal(again.state.replicas, 1);
  assert.equal(again.state.lastActiveAt, 1500);
  assert.equal(
    onPush({ ...policy, minReplicas: 2 }, { replicas: 0, lastActiveAt: undefined }, 0).state.replicas,
    2,
  );
});

void test("an active reading at zero is an activation; while running the HPA follows the backlog", () => {
  const up = onReading(policy, initialHpa(policy), 0, { backlog: 40, active: true });
  assert.equal(up.reason, "activation");
  assert.equal(up.state.replicas, 1);
  const hpa = onReading(policy, up.state, 1000, { backlog: 40, active: true });
  assert.deepEqual(hpa, { state: { replicas: 4, lastActiveAt: 1000 }, from: 1, reason: "hpa" });
  const down = onReading(policy, hpa.state, 2000, { backlog: 12, active: true });
  assert.equal(down.state.replicas, 2);
});

void test("to zero only after the cooldown with IsActive false", () => {
  let s: HpaState = { replicas: 3, lastActiveAt: 10_000 };
  const early = onReading(policy, s, 11_000, { backlog: 0, active: false });
  assert.equal(early.state.replicas, 1, "the HPA still runs during the cooldown");
  assert.equal(early.reason, "hpa");
  s = early.state;
  const cooled = onReading(policy, s, 12_000, { backlog: 0, active: false });
  assert.deepEqual(cooled, { state: { replicas: 0, lastActiveAt: 10_000 }, from: 1, reason: "cooldown" });
  const still = onReading(policy, cooled.state, 13_000, { backlog: 0, active: false });
  assert.equal(still.reason, undefined);
  assert.equal(still.state.replicas, 0);
});

void test("minReplicas > 0 never scales to zero", () => {
  const p = { ...policy, minReplicas: 2 };
  const step = onReading(p, { replicas: 4, lastActiveAt: 0 }, 100_000, { backlog: 0, active: false });
  assert.equal(step.state.replicas, 2);
});
