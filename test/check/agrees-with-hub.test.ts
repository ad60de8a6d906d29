import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { inspect, type StatsReads } from "../../src/check/inspect.js";
import type { Report } from "../../src/check/report.js";
import { NoArrivals } from "../../src/pulsar/no-arrivals.js";
import { CLUSTERS, ref, startHarness, type Harness } from "../keda/harness.js";
import { topicSnapshot } from "../support/fake-pulsar.js";

// check prints what the hub would answer; these cases ask both and compare. A check that worked
// its answers out on its own would drift from the service and fail here.

let hub: Harness;
before(async () => {
  hub = await startHarness({ servedNamespaces: "all" });
});
after(() => hub.close());

const BASE = { adminURL: "http://pulsar:8080", subscription: "workers" };
const CASES: ReadonlyArray<Record<string, string>> = [
  { ...BASE, topic: "persistent://public/default/orders" },
  { ...BASE, topic: "persistent://public/default/orders", msgBacklogThreshold: "2.5" },
  { ...BASE, topic: "acme/billing/Invoices", metric: "msgBacklogNoDelayed", msgBacklogThreshold: "7" },
  { ...BASE, topic: "persistent://public/default/parted", isPartitionedTopic: "true" },
  {
    ...BASE,
    topic: "non-persistent://public/default/events",
    subscription: "Audit.Team",
    activationMsgBacklogThreshold: "40",
    msgBacklogThreshold: "0.4",
  },
  // As KEDA forwards metadata: values untrimmed, <key>FromEnv resolved under its own key.
  {
    adminURLFromEnv: " http://pulsar:8080 ",
    topicFromEnv: "persistent://public/default/orders\t",
    subscription: " workers ",
    msgBacklogThreshold: " 3 ",
  },
];

/** Stats reads answering a backlog of 17.5 (12 not delayed) for any topic. */
const stats: StatsReads = {
  topicStats: (topic) =>
    Promise.resolve(
      topicSnapshot(topic, {
        [topic.local === "events" ? "Audit.Team" : "workers"]: { msgBacklog: 17.5, msgBacklogNoDelayed: 12 },
      }),
    ),
  partitions: () => Promise.resolve(0),
  subscriptions: () => Promise.resolve([]),
};

async function checkReport(metadata: Record<string, string>): Promise<Report> {
  return inspect(
    { metadata, clusters: CLUSTERS, source: { kind: "flags" }, notes: [], minReplicas: 0, maxReplicas: 10 },
    {
      open: () => ({ stats, arrivals: new NoArrivals("http://pulsar:8080"), close: () => Promise.resolve() }),
    },
  );
}

void test("check's GetMetricSpec is the service's answer over gRPC, for each metadata map", async () => {
  const keda = hub.emulator();
  for (const metadata of CASES) {
    const report = await checkReport(metadata);
    assert.equal(report.ok, true, JSON.stringify(report.error));
    const answer = await keda.getMetricSpec(ref(metadata));
    assert.deepEqual(answer.metricSpecs, [report.metricSpec], JSON.stringify(metadata));
  }
});

void test("check's GetMetrics is the service's answer for the value check read", async () => {
  const keda = hub.emulator();
  for (const metadata of CASES) {
    const report = await checkReport(metadata);
    const spec = report.metricSpec;
    const value = report.metricValue;
    assert.ok(spec && value);
    hub.state.setValue(
      `default/${report.trigger?.topic}/${report.trigger?.subscription}`,
      value.metricValueFloat,
    );
    const answer = await keda.getMetrics(ref(metadata), spec.metricName);
    assert.deepEqual(
      answer.metricValues,
      [{ metricName: spec.metricName, ...value }],
      JSON.stringify(metadata),
    );
  }
});
