import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { inspect, type StatsReads } from "../../src/check/inspect.js";
import type { ClusterConfig } from "../../src/pulsar/cluster.js";
import { TopicNotFoundError } from "../../src/pulsar/errors.js";
import type { ArrivalSource } from "../../src/pulsar/ports.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { topicSnapshot } from "../support/fake-pulsar.js";
import { mustAdmin } from "../pulsar/sim-helpers.js";
import { checkJson, metaFlags, runCheck } from "./helpers.js";

let sim: RunningSimulator;
const TOPIC = "persistent://public/default/orders";
const meta = metaFlags({ topic: TOPIC, subscription: "workers", msgBacklogThreshold: "10" });
const flags = (...more: string[]): string[] => [
  "--pulsar-admin-url",
  sim.adminUrl,
  "--pulsar-request-timeout-ms",
  "2000",
  ...more,
  ...meta,
];

before(async () => {
  sim = await startSimulator({ port: 0 });
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/orders/subscription/workers");
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/parted/partitions", {
    body: "2",
  });
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/parted/subscription/workers");
});
after(() => sim.close());

void test("no serviceUrl, the WebSocket service answers: arrivals over the WebSocket reader", async () => {
  const { code, out } = await runCheck(flags());
  assert.equal(code, 0);
  assert.match(
    out,
    new RegExp(`^arrivals: +websocket \\(${sim.wsUrl}, no serviceUrl; service answered\\)$`, "m"),
  );
  const { report } = await checkJson(flags());
  assert.deepEqual(report.arrivals, {
    transport: "websocket",
    url: sim.wsUrl,
    why: "no serviceUrl; service answered",
  });
  // A partitioned topic is asked on its first partition (a WebSocket reader takes one partition).
  const parted = await checkJson([
    "--pulsar-admin-url",
    sim.adminUrl,
    ...metaFlags({ topic: "public/default/parted", subscription: "workers", msgBacklogThreshold: "10" }),
  ]);
  assert.equal(parted.report.arrivals?.why, "no serviceUrl; service answered");
});

void test("no serviceUrl, the WebSocket service is off: polling only, and why", async (t) => {
  await sim.control.websocket("refuse");
  t.after(() => sim.control.reset());
  const { code, out } = await runCheck(flags());
  assert.equal(code, 0, "polling still answers KEDA");
  assert.match(
    out,
    new RegExp(
      `^arrivals: +polling only \\(no serviceUrl; the WebSocket service at ${sim.wsUrl} is off\\)$`,
      "m",
    ),
  );
  const { report } = await checkJson(flags("--pulsar-arrivals", "websocket"));
  assert.deepEqual(report.arrivals, {
    transport: "polling",
    url: null,
    why: `arrivals=websocket; the WebSocket service at ${sim.wsUrl} is off`,
  });
});

void test("arrivals=off: polling only, without asking the WebSocket service", async () => {
  const { out } = await runCheck(flags("--pulsar-arrivals", "off"));
  assert.match(out, /^arrivals: +polling only \(arrivals=off\)$/m);
});

void test("a serviceUrl, the WebSocket service off: arrivals over the binary protocol", async (t) => {
  const off = await startSimulator({ port: 0, websocket: false });
  t.after(() => off.close());
  await mustAdmin(off.adminUrl, "PUT", "/admin/v2/persistent/public/default/orders/subscription/workers");
  const serviceUrl = off.serviceUrl ?? "";
  const { code, out } = await runCheck([
    "--pulsar-admin-url",
    off.adminUrl,
    "--pulsar-service-url",
    serviceUrl,
    ...meta,
  ]);
  assert.equal(code, 0, out);
  const line = out.split("\n").find((l) => l.startsWith("arrivals:"));
  assert.equal(line?.replace(/^arrivals: +/, ""), `binary (${serviceUrl}, serviceUrl configured)`, out);
});

/** inspect with stats from memory and an ArrivalSource that must not be asked. */
function inspectWith(cluster: ClusterConfig, stats: StatsReads) {
  const arrivals: ArrivalSource = {
    subscribe: () => assert.fail("the WebSocket service must not be asked"),
  };
  return inspect(
    {
      metadata: { topic: TOPIC, subscription: "workers", msgBacklogThreshold: "10" },
      clusters: [cluster],
      source: { kind: "flags" },
      notes: [],
      minReplicas: undefined,
      maxReplicas: undefined,
    },
    { open: () => ({ stats, arrivals, close: () => Promise.resolve() }) },
  );
}

const CLUSTER: ClusterConfig = {
  name: "default",
  adminUrl: "http://pulsar:8080",
  wsUrl: "ws://pulsar:8080",
  arrivals: "auto",
  auth: { kind: "none" },
  requestTimeoutMs: 5000,
};
const STATS: StatsReads = {
  topicStats: (topic) => Promise.resolve(topicSnapshot(topic, { workers: { msgBacklog: 3 } })),
  partitions: () => Promise.resolve(0),
  subscriptions: () => Promise.resolve(["workers"]),
};

void test("a serviceUrl: arrivals over the binary protocol, the WebSocket service not asked", async () => {
  const r = await inspectWith({ ...CLUSTER, serviceUrl: "pulsar://pulsar:6650" }, STATS);
  assert.deepEqual(r.arrivals, {
    transport: "binary",
    url: "pulsar://pulsar:6650",
    why: "serviceUrl configured",
  });
  const forced = await inspectWith(
    { ...CLUSTER, serviceUrl: "pulsar://pulsar:6650", arrivals: "binary" },
    STATS,
  );
  assert.equal(forced.arrivals?.why, "arrivals=binary");
});

void test("a failed read still says the configured transport, without opening a reader", async () => {
  const missing: StatsReads = {
    ...STATS,
    topicStats: () => Promise.reject(new TopicNotFoundError("topic not found", "http://pulsar:8080/x")),
  };
  const r = await inspectWith(CLUSTER, missing);
  assert.equal(r.ok, false);
  assert.deepEqual(r.arrivals, {
    transport: "websocket",
    url: "ws://pulsar:8080",
    why: "no serviceUrl; polling alone while the WebSocket service is off",
  });
  const binary = await inspectWith({ ...CLUSTER, serviceUrl: "pulsar+ssl://pulsar:6651" }, missing);
  assert.equal(binary.arrivals?.transport, "binary");
});
