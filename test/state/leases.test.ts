import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WatchKey } from "../../src/state/key.js";
import { LeaseTable, type LeaseDecision } from "../../src/state/leases.js";

const key = (n: string): WatchKey => ({ cluster: "c", topic: "persistent://t/ns/x", subscription: n });
const K1 = key("k1");
const K2 = key("k2");
const K3 = key("k3");
const K4 = key("k4");
const T0 = 1_000_000;

/** Decisions as short strings: "grant A k1", "revoke A k1", "hubStart k1", "hubStop k1". */
function d(ds: LeaseDecision[]): string[] {
  return ds.map((x) =>
    x.kind === "grant" || x.kind === "revoke"
      ? `${x.kind} ${x.sidecar} ${x.key.subscription}`
      : `${x.kind} ${x.key.subscription}`,
  );
}

function holder(t: LeaseTable, k: WatchKey): string {
  const h = t.holderOf(k);
  const cur = h === undefined ? "-" : h.kind === "hub" ? "hub" : h.id;
  const p = t.pendingOf(k);
  return p === undefined ? cur : `${cur}->${p}`;
}

void describe("LeaseTable", () => {
  void it("a key nobody announced is watched by the hub", () => {
    const t = new LeaseTable();
    assert.deepEqual(d(t.keyAdded(K1)), ["hubStart k1"]);
    assert.deepEqual(d(t.keyAdded(K1)), [], "idempotent");
    assert.equal(holder(t, K1), "hub");
  });

  void it("a new key announced by a sidecar is granted to it", () => {
    const t = new LeaseTable();
    t.sidecarJoined("A", "pod-a", [K1], T0);
    assert.deepEqual(d(t.keyAdded(K1)), ["grant A k1"]);
    assert.equal(holder(t, K1), "-->A");
    assert.deepEqual(d(t.firstObservationFrom("A", K1)), []);
    assert.equal(holder(t, K1), "A");
  });

  void it("hub to sidecar without a gap: the hub stops only after the sidecar's first observation", () => {
    const t = new LeaseTable();
    t.keyAdded(K1);
    assert.deepEqual(d(t.sidecarJoined("A", "pod-a", [K1], T0)), ["grant A k1"]);
    assert.equal(holder(t, K1), "hub->A", "A holds its grant: its reports are taken");
    assert.deepEqual(d(t.firstObservationFrom("B", K1)), [], "not the pending holder");
    assert.deepEqual(d(t.firstObservationFrom("A", K1)), ["hubStop k1"]);
    assert.equal(holder(t, K1), "A");
    assert.deepEqual(d(t.firstObservationFrom("A", K1)), [], "once");
  });

  void it("spreads keys over the announcers, fewest leases first, ties by id", () => {
    const t = new LeaseTable();
    t.sidecarJoined("B", "pod-b", [K1, K2, K3, K4], T0);
    t.sidecarJoined("A", "pod-a", [K1, K2, K3, K4], T0);
    const grants = [K1, K2, K3, K4].flatMap((k) => d(t.keyAdded(k)));
    assert.deepEqual(grants, ["grant A k1", "grant B k2", "grant A k3", "grant B k4"]);
    assert.equal(t.leaseCount("A"), 2);
    assert.equal(t.leaseCount("B"), 2);
  });

  void it("a newcomer does not take keys from a live holder", () => {
    const t = new LeaseTable();
    t.sidecarJoined("A", "pod-a", [K1], T0);
    t.keyAdded(K1);
    t.firstObservationFrom("A", K1);
    assert.deepEqual(d(t.sidecarJoined("B", "pod-b", [K1], T0)), []);
    assert.equal(holder(t, K1), "A");
  });

  void it("a sidecar that left: its keys go to another announcer at once (no revoke to it)", () => {
    const t = new LeaseTable();
    t.sidecarJoined("A", "pod-a", [K1], T0);
    t.keyAdded(K1);
    t.firstObservationFrom("A", K1);
    t.sidecarJoined("B", "pod-b", [K1], T0);
    assert.deepEqual(d(t.sidecarLeft("A")), ["grant B k1"]);
    assert.equal(holder(t, K1), "-->B");
    assert.deepEqual(d(t.sidecarLeft("A")), [], "idempotent");
  });

  void it("heartbeat expiry: exactly at leaseTimeoutMs the sidecar loses its leases (revoked)", () => {
    const t = new LeaseTable({ leaseTimeoutMs: 10_000 });
    t.sidecarJoined("A", "pod-a", [K1, K2], T0);
    t.sidecarJoined("B", "pod-b", [K1], T0);
    t.keyAdded(K1);
    t.keyAdded(K2);
    t.firstObservationFrom("A", K1);
    t.firstObservationFrom("B", K2);
    assert.equal(holder(t, K1), "A");
    t.sidecarHeartbeat("A", T0 + 5_000);
    t.sidecarHeartbeat("B", T0 + 9_000);
    assert.deepEqual(d(t.expire(T0 + 14_999)), []);
    assert.deepEqual(d(t.expire(T0 + 15_000)), ["revoke A k1", "revoke A k2", "grant B k1", "hubStart k2"]);
    assert.deepEqual(t.sidecarIds(), ["B"]);
  });

  void it("all sidecars gone: every key goes back to the hub", () => {
    const t = new LeaseTable();
    t.sidecarJoined("A", "pod-a", [K1], T0);
    t.sidecarJoined("B", "pod-b", [K2], T0);
    t.keyAdded(K1);
    t.keyAdded(K2);
    t.firstObservationFrom("A", K1);
    assert.deepEqual(d(t.sidecarLeft("A")), ["hubStart k1"]);
    assert.deepEqual(d(t.sidecarLeft("B")), ["hubStart k2"], "pending grant lost: hub");
    assert.equal(holder(t, K1), "hub");
    assert.equal(holder(t, K2), "hub");
  });

  void it("a pending sidecar that dies leaves the previous watcher running and tries the next announcer", () => {
    const t = new LeaseTable();
    t.keyAdded(K1);
    t.sidecarJoined("A", "pod-a", [K1], T0);
    t.sidecarJoined("B", "pod-b", [K1], T0);
    assert.equal(holder(t, K1), "hub->A");
    assert.deepEqual(d(t.sidecarLeft("A")), ["grant B k1"]);
    assert.equal(holder(t, K1), "hub->B");
  });

  void it("re-announcing without a held key hands it over; the old holder runs until the new one observes", () => {
    const t = new LeaseTable();
    t.sidecarJoined("A", "pod-a", [K1], T0);
    t.sidecarJoined("B", "pod-b", [K1], T0);
    t.keyAdded(K1);
    t.firstObservationFrom("A", K1);
    assert.deepEqual(d(t.sidecarJoined("A", "pod-a", [], T0 + 1)), ["grant B k1"]);
    assert.equal(holder(t, K1), "A->B", "both hold a grant: A keeps reporting until B observes");
    assert.deepEqual(d(t.firstObservationFrom("B", K1)), ["revoke A k1"]);
    assert.equal(holder(t, K1), "B");
  });

  void it("re-announcing without a key nobody else announces: the hub takes it", () => {
    const t = new LeaseTable();
    t.sidecarJoined("A", "pod-a", [K1], T0);
    t.keyAdded(K1);
    t.firstObservationFrom("A", K1);
    assert.deepEqual(d(t.sidecarJoined("A", "pod-a", [], T0 + 1)), ["revoke A k1", "hubStart k1"]);
  });

  void it("key removed: whoever watches or is taking over stops", () => {
    const t = new LeaseTable();
    t.keyAdded(K1);
    t.sidecarJoined("A", "pod-a", [K1], T0);
    assert.deepEqual(d(t.keyRemoved(K1)), ["revoke A k1", "hubStop k1"]);
    assert.deepEqual(d(t.keyRemoved(K1)), []);
    assert.equal(t.leaseCount("A"), 0);
  });

  void it("hub restart: a new table given the same sidecars and keys grants the same way", () => {
    const run = () => {
      const t = new LeaseTable();
      const out: string[] = [];
      out.push(...d(t.keyAdded(K1)), ...d(t.keyAdded(K2)), ...d(t.keyAdded(K3)));
      out.push(...d(t.sidecarJoined("B", "pod-b", [K1, K2, K3], T0)));
      out.push(...d(t.sidecarJoined("A", "pod-a", [K2, K3], T0)));
      return out;
    };
    const first = run();
    assert.deepEqual(first, [
      "hubStart k1",
      "hubStart k2",
      "hubStart k3",
      "grant B k1",
      "grant B k2",
      "grant B k3",
    ]);
    assert.deepEqual(run(), first);
  });

  void it("sidecars joining after the keys: the hub hands over to the less loaded announcer", () => {
    const t = new LeaseTable();
    t.sidecarJoined("A", "pod-a", [K1, K2], T0);
    t.keyAdded(K1);
    t.keyAdded(K2);
    t.firstObservationFrom("A", K1);
    t.firstObservationFrom("A", K2);
    t.sidecarLeft("A");
    assert.equal(holder(t, K1), "hub");
    assert.deepEqual(d(t.sidecarJoined("C", "pod-c", [K1, K2], T0 + 1)), ["grant C k1", "grant C k2"]);
  });
});
