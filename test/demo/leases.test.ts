import assert from "node:assert/strict";
import { test } from "node:test";
import { GRANTED_MSG, LeaseTracker, REVOKED_MSG } from "../../src/demo/leases.js";

const KEY = "default/persistent://public/default/demo-orders/demo-workers";
const granted = { msg: GRANTED_MSG, key: KEY };
const revoked = { msg: REVOKED_MSG, key: KEY, reason: "hub" };

void test("a first grant moves the key from the hub to the sidecar", () => {
  const t = new LeaseTracker();
  assert.equal(t.holder(KEY), "hub");
  assert.deepEqual(t.onLog("demo-a", granted), { key: KEY, holder: "demo-a", previous: "hub" });
  assert.equal(t.onLog("demo-a", granted), undefined, "no change, no event");
  assert.equal(t.onLog("demo-a", { msg: "other", key: KEY }), undefined);
  assert.equal(t.anySidecarHolder(), "demo-a");
});

void test("hand-over between sidecars: the new grant comes before the old revoke, one change", () => {
  const t = new LeaseTracker();
  t.onLog("demo-a", granted);
  assert.deepEqual(t.onLog("demo-b", granted), { key: KEY, holder: "demo-b", previous: "demo-a" });
  assert.equal(t.onLog("demo-a", revoked), undefined);
  assert.equal(t.holder(KEY), "demo-b");
  assert.deepEqual(t.settleOrphans(), []);
});

void test("a killed holder: the next grant names it as previous; without one the hub has the key", () => {
  const t = new LeaseTracker();
  t.onLog("demo-a", granted);
  t.onExit("demo-a");
  assert.deepEqual(t.onLog("demo-b", granted), { key: KEY, holder: "demo-b", previous: "demo-a" });
  t.onExit("demo-b");
  assert.deepEqual(t.settleOrphans(), [{ key: KEY, holder: "hub", previous: "demo-b" }]);
  assert.deepEqual(t.settleOrphans(), []);
  assert.equal(t.holder(KEY), "hub");
});

void test("a revoke of the holder without a successor gives the key to the hub", () => {
  const t = new LeaseTracker();
  t.onLog("demo-a", granted);
  t.onLog("demo-a", revoked);
  assert.deepEqual(t.settleOrphans(), [{ key: KEY, holder: "hub", previous: "demo-a" }]);
});
