import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CloseCode } from "../../src/contract/close-codes.js";
import { LeaseCoordinator } from "../../src/hub/lease-coordinator.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import type { ActivationRule, WatchKey } from "../../src/state/key.js";
import { WatchEngine, type TriggerLike } from "../../src/watch/engine.js";
import { FakeClock } from "../support/fake-clock.js";
import { obs } from "../support/observation.js";
import { FakeSession, RecordingDriver } from "./lease-fakes.js";

const TOPIC = "persistent://t/ns/orders";
const key = (sub: string): WatchKey => ({ cluster: "c", topic: TOPIC, subscription: sub });
const K = key("s");
const ANY: ActivationRule = { metric: "msgBacklog", threshold: 0 };
const trigger = (k: WatchKey = K, isPartitionedTopic?: boolean): TriggerLike => ({
  key: k,
  activation: ANY,
  topic: parseTopicName(k.topic),
  isPartitionedTopic,
});
const SO = { namespace: "apps", name: "consumer" };
const END = { code: 1006, reason: "", cause: "peer" as const };

function setup(leaseTimeoutMs = 10_000) {
  const clock = new FakeClock();
  const hub = new RecordingDriver();
  const engine = new WatchEngine({ clock, keyIdleTtlMs: 60_000 });
  const leases = new LeaseCoordinator({ clock, sink: engine.ingest, hubDriver: () => hub, leaseTimeoutMs });
  engine.attach(leases);
  /** A ScaledObject opens a stream on `k` (the key comes into use); returns the activation count. */
  const use = (k: WatchKey = K, so = SO, partitioned?: boolean) => {
    const seen = { activations: 0 };
    engine.watchActivation(so, trigger(k, partitioned), () => seen.activations++);
    return seen;
  };
  const join = (id: string, keys: WatchKey[] = [K]) => {
    const s = new FakeSession(id, keys);
    leases.joined(s, s.hello);
    return s;
  };
  const report = (s: FakeSession, backlog: number, at = clock.now(), k = K) =>
    leases.observation(s, k, obs(at, backlog));
  return { clock, hub, engine, leases, use, join, report };
}

void describe("LeaseCoordinator", () => {
  void it("the hub watches a key in use that no sidecar announced", () => {
    const { hub, leases, use } = setup();
    use();
    assert.deepEqual(hub.log, ["start s"]);
    assert.equal(hub.hints[0]?.topic?.local, "orders");
    assert.equal(leases.holderOf(K), "hub");
    assert.deepEqual(leases.holders(), { sidecar: 0, hub: 1, none: 0 });
  });

  void it("hand-over: the hub keeps watching until the sidecar's first observation", () => {
    const { hub, engine, leases, use, join, report } = setup();
    use();
    const a = join("a");
    assert.deepEqual(a.log, ["grant s"]);
    assert.equal(leases.pendingOf(K), "a");
    assert.deepEqual(hub.log, ["start s"], "no gap: the hub watcher still runs");
    report(a, 4);
    assert.deepEqual(hub.log, ["start s", "stop s"]);
    assert.equal(leases.holderOf(K), "a");
    assert.equal(engine.keyReport(K)?.observation?.msgBacklog, 4);
  });

  void it("a grant carries the trigger's isPartitionedTopic, as the hub's own watcher gets it", () => {
    const { hub, use, join } = setup();
    use(K, SO, true);
    const a = join("a");
    use(key("auto"), { namespace: "apps", name: "other" });
    const b = join("b", [key("auto")]);
    assert.deepEqual([a.log, b.log], [["grant s"], ["grant auto"]]);
    assert.deepEqual(a.hints, [{ partitioned: true }]);
    assert.deepEqual(b.hints, [{ partitioned: undefined }], "absent: the sidecar auto-detects");
    assert.equal(hub.hints[0]?.partitioned, true, "the same hint the hub watcher started with");
  });

  void it("a sidecar announcing a key nobody asked about gets no lease until KEDA asks", () => {
    const { hub, leases, use, join } = setup();
    const a = join("a", [K, key("other")]);
    assert.deepEqual(a.log, []);
    use(key("other"));
    assert.deepEqual(a.log, ["grant other"]);
    assert.deepEqual(hub.log, [], "a first grant does not start a hub watcher");
    assert.deepEqual(leases.holders(), { sidecar: 0, hub: 0, none: 1 });
  });

  void it("exactly one holder: only it holds a grant, so only its reports pass the gateway", () => {
    const { engine, use, join, report } = setup();
    use();
    const a = join("a");
    const b = join("b");
    const c = join("c");
    assert.deepEqual([a.log, b.log, c.log], [["grant s"], [], []]);
    // The gateway ends b's and c's sessions on a report of K (gateway-frames.test.ts: "a key
    // announced but not granted closes 4003"); the coordinator sees reports of holders only.
    assert.deepEqual([a.holds(K), b.holds(K), c.holds(K)], [true, false, false]);
    report(a, 1);
    assert.equal(engine.keyReport(K)?.observation?.msgBacklog, 1);
    assert.equal(engine.keyReport(K)?.lastError, undefined);
  });

  void it("a holder that leaves hands the key to another announcer, then to the hub", () => {
    const { hub, leases, use, join, report } = setup();
    use();
    const a = join("a");
    const b = join("b");
    report(a, 1);
    leases.left(a, END);
    assert.deepEqual(b.log, ["grant s"]);
    report(b, 2);
    assert.equal(leases.holderOf(K), "b");
    leases.left(b, END);
    assert.equal(leases.holderOf(K), "hub");
    assert.deepEqual(hub.log, ["start s", "stop s", "start s"]);
  });

  void it("a sidecar without heartbeats loses its leases and its session is closed 4009", () => {
    const { clock, hub, leases, use, join, report } = setup(10_000);
    use();
    const a = join("a");
    const b = join("b");
    report(a, 1);
    for (let i = 0; i < 4; i++) {
      clock.advance(3000);
      leases.heartbeat(b, clock.now());
    }
    assert.equal(leases.holderOf(K), undefined, "a lost the key; b takes over");
    assert.deepEqual(a.log, ["grant s", "revoke s"]);
    assert.equal(a.closedWith?.code, CloseCode.leaseTimeout);
    assert.equal(b.closedWith, undefined);
    assert.deepEqual(b.log, ["grant s"]);
    assert.equal(leases.stats().sidecarsExpired, 1);
    leases.left(b, END);
    assert.equal(hub.log.at(-1), "start s", "nobody left: the hub watches");
  });

  void it("sidecar errors reach the engine as the key's last error", () => {
    const { engine, leases, use, join } = setup();
    use();
    const a = join("a");
    leases.error(a, K, "TimeoutError", "stats took over 5000 ms");
    assert.deepEqual(
      { name: engine.keyReport(K)?.lastError?.name, message: engine.keyReport(K)?.lastError?.message },
      { name: "TimeoutError", message: "stats took over 5000 ms" },
    );
  });

  void it("a key no longer in use is revoked from its holder", () => {
    const { clock, engine, leases, join, report } = setup();
    void engine.isActive(SO, trigger()).catch(() => undefined);
    const a = join("a");
    report(a, 0);
    for (let t = 0; t < 61_000; t += 3000) {
      clock.advance(3000);
      leases.heartbeat(a, clock.now());
    }
    engine.sweep();
    assert.deepEqual(a.log, ["grant s", "revoke s"]);
    assert.equal(leases.holderOf(K), undefined);
  });

  void it("re-stamps sidecar times onto the hub clock from heartbeats (offset = min sample)", () => {
    const { clock, engine, leases, use, join, report } = setup();
    const seen = use();
    const a = join("a");
    const behind = 5000;
    leases.heartbeat(a, clock.now() - behind - 0); // 0 ms transit
    clock.advance(10);
    leases.heartbeat(a, clock.now() - behind - 40); // 40 ms transit: not the min
    assert.equal(leases.clockOffsetOf(a.id), behind);
    report(a, 0, clock.now() - behind - 200);
    assert.equal(engine.keyReport(K)?.observationAgeMs, 200, "age on the hub clock, not 5200");
    leases.arrival(a, K, { receivedAt: clock.now() - behind - 5 });
    assert.equal(engine.keyReport(K)?.lastArrivalAt, clock.now() - 5);
    assert.equal(seen.activations, 1, "the arrival is after the observation: an edge");
  });

  void it("before the first heartbeat a sidecar's times are the hub's receive times (clock 20 s behind)", () => {
    const { clock, engine, leases, use, join, report } = setup();
    const seen = use();
    engine.ingest.observation(K, obs(clock.now(), 0)); // the hub's own watcher, before the hand-over
    const a = join("a");
    const behind = 20_000;
    clock.advance(100);
    // On the sidecar's clock this arrival is 19.9 s older than the hub's observation: it would not
    // count as pending, and the consumer would wait for the next poll.
    leases.arrival(a, K, { receivedAt: clock.now() - behind });
    assert.equal(engine.keyReport(K)?.lastArrivalAt, clock.now(), "timed by the hub's receive time");
    assert.equal(seen.activations, 1, "the arrival is after the observation: an edge");
    clock.advance(100);
    report(a, 0, clock.now() - behind);
    assert.equal(engine.keyReport(K)?.observationAgeMs, 0, "not 20 s old");
    leases.heartbeat(a, clock.now() - behind);
    clock.advance(500);
    report(a, 0, clock.now() - behind - 200);
    assert.equal(engine.keyReport(K)?.observationAgeMs, 200, "the offset is known: sidecar time + offset");
  });

  void it("a sidecar clock ahead of the hub never reports from the future", () => {
    const { clock, engine, leases, use, join, report } = setup();
    use();
    const a = join("a");
    report(a, 3, clock.now() + 60_000);
    assert.equal(engine.keyReport(K)?.observationAgeMs, 0, "clamped to hub now before any heartbeat");
    leases.heartbeat(a, clock.now() + 60_000);
    assert.equal(leases.clockOffsetOf(a.id), -60_000);
    clock.advance(1000);
    report(a, 3, clock.now() + 60_000 - 300);
    assert.equal(engine.keyReport(K)?.observationAgeMs, 300);
  });

  void it("counts arrivals by watcher kind and keeps the counters copy-safe", () => {
    const { leases, use, join, report } = setup();
    use();
    const a = join("a");
    report(a, 0);
    leases.arrival(a, K, { receivedAt: 1 });
    const s = leases.stats();
    s.arrivals.sidecar = 99;
    assert.deepEqual(leases.stats().arrivals, { hub: 0, sidecar: 1 });
    assert.equal(leases.stats().grants, 1);
    assert.equal(leases.stats().hubStops, 1);
  });

  void it("drain: sidecars leaving at shutdown do not start hub watchers; close stops the rest", async () => {
    const { hub, leases, use, join, report } = setup();
    use();
    use(key("t"));
    const a = join("a");
    report(a, 0);
    leases.drain();
    leases.left(a, { code: 1001, reason: "hub shutting down", cause: "shutdown" });
    assert.deepEqual(hub.log, ["start s", "start t", "stop s"]);
    await leases.close();
    assert.equal(hub.closed, true);
    use(key("u"));
    assert.deepEqual(hub.log, ["start s", "start t", "stop s"]);
  });
});
