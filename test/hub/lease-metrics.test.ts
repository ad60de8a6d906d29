import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { LeaseCoordinator } from "../../src/hub/lease-coordinator.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import type { WatchKey } from "../../src/state/key.js";
import type { WatchSink } from "../../src/watch/sink.js";
import { FakeClock } from "../support/fake-clock.js";
import { obs } from "../support/observation.js";
import { FakeSession, RecordingDriver } from "./lease-fakes.js";

// The coordinator's instruments are updated at the event: these tests read the registry right
// after each call, with no scrape-time computation in between. The coordinator is driven as the
// engine drives it (start/stop of keys in use), over a sink that takes every report.

const TOPIC = "persistent://t/ns/orders";
const key = (sub: string): WatchKey => ({ cluster: "c", topic: TOPIC, subscription: sub });
const K = key("s");
const END = { code: 1006, reason: "", cause: "peer" as const };
const NULL_SINK: WatchSink = { observation() {}, arrival() {}, error() {} };

function setup() {
  const clock = new FakeClock();
  const registry = new Registry();
  const hub = new RecordingDriver();
  let hubSink: WatchSink = NULL_SINK;
  const leases = new LeaseCoordinator({
    clock,
    sink: NULL_SINK,
    registry,
    hubDriver: (s) => ((hubSink = s), hub),
  });
  const join = (id: string, keys: WatchKey[] = [K]) => {
    const s = new FakeSession(id, keys);
    leases.joined(s, s.hello);
    return s;
  };
  /** Sum of the samples of `name` whose labels include `labels` (NaN when there is none). */
  const value = async (name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> => {
    const metric = await registry.getSingleMetric(name)?.get();
    const hits = (metric?.values ?? []).filter((v) =>
      Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
    );
    return hits.length === 0 ? NaN : hits.reduce((n, v) => n + v.value, 0);
  };
  return { clock, leases, join, value, text: () => registry.metrics(), hubSink: () => hubSink };
}

void describe("LeaseCoordinator metrics", () => {
  void it("keys watched and leases by holder follow each key in use, hand-over and removal", async () => {
    const { leases, join, value } = setup();
    leases.start(K, {});
    leases.start(key("t"), {});
    assert.equal(await value("pps_keys_watched"), 2);
    assert.equal(await value("pps_leases", { holder: "hub" }), 2);
    const a = join("a");
    assert.equal(
      await value("pps_leases", { holder: "hub" }),
      2,
      "the hub holds until the first observation",
    );
    leases.observation(a, K, obs(0, 1));
    assert.equal(await value("pps_leases", { holder: "sidecar" }), 1);
    assert.equal(await value("pps_leases", { holder: "hub" }), 1);
    leases.left(a, END);
    leases.stop(key("t"));
    assert.equal(await value("pps_keys_watched"), 1);
    const byHolder = await Promise.all(
      ["sidecar", "hub", "none"].map((holder) => value("pps_leases", { holder })),
    );
    assert.deepEqual(byHolder, [0, 1, 0]);
    assert.deepEqual(leases.holders(), { sidecar: 0, hub: 1, none: 0 }, "the gauge agrees with the table");
  });

  void it("a first grant counts under none until its first observation", async () => {
    const { leases, join, value } = setup();
    const a = join("a");
    leases.start(K, {});
    assert.equal(await value("pps_leases", { holder: "none" }), 1);
    leases.observation(a, K, obs(0, 1));
    assert.equal(await value("pps_leases", { holder: "none" }), 0);
    assert.equal(await value("pps_leases", { holder: "sidecar" }), 1);
  });

  void it("a removed key leaves no series; a late report of it makes none", async () => {
    const { clock, leases, join, text, value, hubSink } = setup();
    leases.start(K, {});
    clock.advance(5000);
    hubSink().observation(K, obs(clock.now(), 3));
    const labels = { cluster: "c", topic: TOPIC, subscription: "s" };
    assert.equal(await value("pps_observation_timestamp_seconds", labels), clock.now() / 1000);
    leases.stop(K);
    hubSink().observation(K, obs(clock.now(), 3));
    const a = join("a");
    leases.observation(a, K, obs(clock.now(), 3));
    const t = await text();
    assert.doesNotMatch(t, /subscription="s"/, "no series names the key");
    assert.equal(await value("pps_keys_watched"), 0);
  });

  void it("counters count at the event: arrivals, decisions", async () => {
    const { leases, join, value, hubSink } = setup();
    leases.start(K, {});
    hubSink().arrival(K, { receivedAt: 1 });
    assert.equal(await value("pps_arrivals_total", { watcher: "hub" }), 1);
    assert.equal(await value("pps_lease_decisions_total", { decision: "hub_start" }), 1);
    const a = join("a");
    const b = join("b");
    assert.equal(await value("pps_lease_decisions_total", { decision: "grant" }), 1);
    leases.observation(a, K, obs(0, 1));
    leases.arrival(a, K, { receivedAt: 1 });
    assert.equal(await value("pps_arrivals_total", { watcher: "sidecar" }), 1);
    assert.equal(await value("pps_lease_decisions_total", { decision: "hub_stop" }), 1);
    assert.equal(b.holds(K), false, "the second sidecar holds nothing (the gateway drops its reports)");
    assert.equal(await value("pps_lease_decisions_total", { decision: "revoke" }), 0);
    leases.stop(K);
    assert.equal(await value("pps_lease_decisions_total", { decision: "revoke" }), 1);
  });
  void it("hub arrival readers by state follow the hub's watchers, and leave with the key or its lease", async () => {
    const { leases, join, value, hubSink } = setup();
    const byState = () =>
      Promise.all(
        ["connected", "disconnected", "unavailable"].map((state) =>
          value("pps_hub_arrival_readers", { state }),
        ),
      );
    assert.deepEqual(await byState(), [0, 0, 0], "every state is served from the start");
    const topic = parseTopicName(TOPIC);
    leases.start(K, {});
    leases.start(key("t"), {});
    hubSink().arrivalsStatus?.(K, { kind: "connected", topic, partition: -1 });
    hubSink().arrivalsStatus?.(key("t"), { kind: "unavailable", error: new Error("404") });
    assert.deepEqual(await byState(), [1, 0, 1]);
    hubSink().arrivalsStatus?.(K, { kind: "disconnected", error: new Error("reset"), retryInMs: 100 });
    assert.deepEqual(await byState(), [0, 1, 1], "a key moves between states, counted once");
    leases.stop(key("t"));
    assert.deepEqual(await byState(), [0, 1, 0], "a removed key leaves the gauge");
    const a = join("a");
    leases.observation(a, K, obs(0, 1));
    assert.deepEqual(await byState(), [0, 0, 0], "a key handed to a sidecar leaves it too");
    hubSink().arrivalsStatus?.(K, { kind: "connected", topic, partition: -1 });
    assert.deepEqual(await byState(), [0, 0, 0], "a late status of a stopped hub watcher counts nowhere");
  });
});
