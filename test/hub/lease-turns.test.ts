import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LeaseCoordinator } from "../../src/hub/lease-coordinator.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import type { ActivationRule, ScaledObjectName, WatchKey } from "../../src/state/key.js";
import { WatchEngine } from "../../src/watch/engine.js";
import { FakeClock } from "../support/fake-clock.js";
import { obs } from "../support/observation.js";
import { FakeSession, RecordingDriver } from "./lease-fakes.js";

const TOPIC = "persistent://t/ns/orders";
const key = (sub: string): WatchKey => ({ cluster: "c", topic: TOPIC, subscription: sub });
const ANY: ActivationRule = { metric: "msgBacklog", threshold: 0 };
const KEYS = Array.from({ length: 10 }, (_, i) => key(`s${i}`));
const END = { code: 1006, reason: "", cause: "peer" as const };

/** A coordinator whose later turns run only when the test says so, `perTurn` decisions each. */
function setup(perTurn: number) {
  const clock = new FakeClock();
  const hub = new RecordingDriver();
  const turns: Array<() => void> = [];
  const engine = new WatchEngine({ clock, keyIdleTtlMs: 60_000 });
  const leases = new LeaseCoordinator({
    clock,
    sink: engine.ingest,
    hubDriver: () => hub,
    decisionsPerTurn: perTurn,
    nextTurn: (fn) => turns.push(fn),
    namespacesOf: (k) => engine.namespacesOf(k),
  });
  engine.attach(leases);
  const use = (k: WatchKey, so: ScaledObjectName = { namespace: "apps", name: "consumer" }) =>
    engine.watchActivation(
      so,
      { key: k, activation: ANY, topic: parseTopicName(k.topic), isPartitionedTopic: undefined },
      () => {},
    );
  /** Runs later turns until none is armed; returns how many carried out a decision. */
  const runTurns = () => {
    let working = 0;
    while (turns.length > 0) {
      const before = leases.pendingDecisions;
      turns.shift()?.();
      if (leases.pendingDecisions < before) working++;
    }
    return working;
  };
  return { clock, hub, engine, leases, use, runTurns };
}

void describe("LeaseCoordinator: decisions carried out in turns", () => {
  void it("a sidecar leaving with many keys: the hub takes them over a few per turn, none lost", () => {
    const { clock, hub, leases, use, runTurns } = setup(4);
    for (const k of KEYS) use(k);
    assert.equal(hub.running.size, 4, "only the first turn's budget is carried out at once");
    assert.equal(runTurns(), 2);
    assert.equal(hub.running.size, 10);

    const a = new FakeSession("a", KEYS);
    leases.joined(a, a.hello);
    runTurns();
    assert.equal(a.log.length, 10, "every key granted");
    for (const k of KEYS) leases.observation(a, k, obs(clock.now(), 1));
    runTurns();
    assert.equal(hub.running.size, 0, "the hub stopped after each hand-over");
    assert.deepEqual(leases.holders(), { sidecar: 10, hub: 0, none: 0 });

    hub.log.length = 0;
    leases.left(a, END);
    assert.equal(hub.log.length, 4, "the rest waits for later turns");
    assert.equal(leases.pendingDecisions, 6);
    assert.equal(runTurns(), 2, "yields between batches");
    assert.equal(leases.pendingDecisions, 0);
    assert.deepEqual(
      [...hub.running].sort(),
      KEYS.map((k) => k.subscription).sort(),
      "every key the sidecar held is watched by the hub again",
    );
    assert.deepEqual(leases.holders(), { sidecar: 0, hub: 10, none: 0 });
  });

  void it("many sidecars leaving in one I/O phase are dropped from the table a few per turn", () => {
    const { clock, hub, leases, use, runTurns } = setup(1000);
    const keys = Array.from({ length: 40 }, (_, i) => key(`m${i}`));
    for (const k of keys) use(k);
    const sidecars = keys.map((k, i) => new FakeSession(`x${String(i).padStart(2, "0")}`, [k]));
    for (const s of sidecars) leases.joined(s, s.hello);
    sidecars.forEach((s, i) => leases.observation(s, keys[i] as WatchKey, obs(clock.now(), 1)));
    runTurns();
    assert.deepEqual(leases.holders(), { sidecar: 40, hub: 0, none: 0 });
    for (const s of sidecars) leases.left(s, END);
    assert.equal(leases.pendingLeaves, 24, "16 dropped in this turn, the rest wait");
    assert.equal(hub.running.size, 16);
    runTurns();
    assert.equal(leases.pendingLeaves, 0);
    assert.deepEqual(leases.holders(), { sidecar: 0, hub: 40, none: 0 }, "no lease lost");
  });

  void it("decisions keep their order across turns: a key dropped before its start ends stopped", () => {
    const { clock, hub, leases, use, runTurns, engine } = setup(1);
    const [k0, k1] = [KEYS[0] as WatchKey, KEYS[1] as WatchKey];
    const close0 = use(k0);
    const close1 = use(k1);
    assert.deepEqual(hub.log, ["start s0"], "the start of s1 waits for the next turn");
    close0();
    close1();
    clock.advance(60_001);
    engine.sweep(); // both keys go out of use: their stops are queued after the start of s1
    assert.equal(leases.pendingDecisions, 3);
    runTurns();
    // In order: the start of s1, no longer in use when its turn comes, is skipped; both stop.
    assert.deepEqual(hub.log, ["start s0", "stop s0", "stop s1"]);
    assert.equal(hub.running.size, 0, "no watcher left running");
  });

  void it("a sidecar is granted only keys whose every ScaledObject is in its namespace", () => {
    const { clock, leases, use, runTurns } = setup(100);
    const [mine, theirs, shared] = [key("mine"), key("theirs"), key("shared")];
    use(mine, { namespace: "team-a", name: "x" });
    use(theirs, { namespace: "team-b", name: "y" });
    use(shared, { namespace: "team-a", name: "x" });
    use(shared, { namespace: "team-b", name: "y" });
    const a = new FakeSession("a", [mine, theirs, shared], "pod-a", "team-a");
    leases.joined(a, a.hello);
    runTurns();
    assert.deepEqual(a.log, ["grant mine"]);
    assert.equal(leases.holderOf(theirs), "hub");
    assert.equal(leases.holderOf(shared), "hub");

    // team-b starts using "mine": at the next reconcile of it (a sidecar announcing it joins), the
    // hub takes it back from a.
    leases.observation(a, mine, obs(clock.now(), 1));
    use(mine, { namespace: "team-b", name: "y" });
    const b = new FakeSession("b", [mine], "pod-b", "team-a");
    leases.joined(b, b.hello);
    runTurns();
    assert.deepEqual(a.log, ["grant mine", "revoke mine"]);
    assert.deepEqual(b.log, []);
    assert.equal(leases.holderOf(mine), "hub");
  });
});
