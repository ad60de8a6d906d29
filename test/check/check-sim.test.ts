import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { mustAdmin } from "../pulsar/sim-helpers.js";
import { checkJson, metaFlags, runCheck } from "./helpers.js";

let sim: RunningSimulator;
const cluster = (): string[] => ["--pulsar-admin-url", sim.adminUrl, "--pulsar-request-timeout-ms", "2000"];
const TOPIC = "persistent://public/default/orders";
const PARTED = "persistent://public/default/parted";
/** Only ever checked with a wrong subscription: no check's WebSocket reader was opened on it. */
const UNREAD = "persistent://public/default/unread";

before(async () => {
  sim = await startSimulator({ port: 0 });
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/orders/subscription/workers");
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/orders/subscription/audit");
  await sim.control.publish({ topic: TOPIC, count: 30 });
  await sim.control.ack(TOPIC, "workers", 5);
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/parted/partitions", {
    body: "3",
  });
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/parted/subscription/workers");
  await sim.control.publish({ topic: PARTED, count: 20 });
  await sim.control.ack(PARTED, "workers", 4);
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/idle/subscription/workers");
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/unread/subscription/workers");
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/unread/subscription/audit");
});
after(() => sim.close());

const meta = (over: Record<string, string> = {}) =>
  metaFlags({ topic: TOPIC, subscription: "workers", msgBacklogThreshold: "10", ...over });

void test("plain topic: backlog = published - acked, detected not partitioned, 3 replicas", async () => {
  const { code, report } = await checkJson([...cluster(), ...meta()]);
  assert.equal(code, 0);
  assert.equal(report.ok, true);
  assert.deepEqual(report.topic, { partitioned: false, partitions: 0, determinedBy: "detected" });
  assert.equal(report.subscription?.msgBacklog, 25);
  assert.equal(report.subscription?.msgBacklogNoDelayed, 25);
  assert.equal(report.metricValue?.metricValueFloat, 25);
  assert.equal(report.isActive, true);
  assert.equal(report.replicas?.desired, 3);
  assert.match(report.verdict, /^OK: active/);
});

void test("plain topic, text output: aligned key: value lines and a verdict", async () => {
  const { code, out } = await runCheck([...cluster(), ...meta()]);
  assert.equal(code, 0);
  assert.match(out, /^partitioned: +no \(detected: \/partitions = 0\)$/m);
  assert.match(out, /^msgBacklog: +25$/m);
  assert.match(
    out,
    /^GetMetricSpec: +metricName=pulsar-orders-workers-[0-9a-f]{10} targetSize=10 targetSizeFloat=10$/m,
  );
  assert.match(out, /^IsActive: +true \(25 > 0\)$/m);
  assert.match(out, /^replicas: +3 \(min 0, max 100\): ceil\(25 \/ 10\) = 3/m);
  assert.match(out, /^verdict: +OK: active/m);
  const columns = out
    .trimEnd()
    .split("\n")
    .map((l) => /^\S+:\s+/.exec(l)?.[0].length);
  assert.equal(new Set(columns).size, 1, out);
});

void test("partitioned topic: detected partitions=3, summed backlog; metadata isPartitionedTopic=true too", async () => {
  const detected = await checkJson([...cluster(), ...meta({ topic: PARTED })]);
  assert.equal(detected.code, 0);
  assert.deepEqual(detected.report.topic, { partitioned: true, partitions: 3, determinedBy: "detected" });
  assert.equal(detected.report.subscription?.msgBacklog, 16);
  assert.equal(detected.report.replicas?.desired, 2);
  const given = await checkJson([...cluster(), ...meta({ topic: PARTED, isPartitionedTopic: "true" })]);
  assert.equal(given.code, 0);
  assert.deepEqual(given.report.topic, { partitioned: true, partitions: 3, determinedBy: "metadata" });
  assert.equal(given.report.subscription?.msgBacklog, 16);
});

void test("--min-replicas / --max-replicas clamp the estimate; idle and below-activation topics", async () => {
  const capped = await checkJson([
    ...cluster(),
    ...meta({ msgBacklogThreshold: "2" }),
    "--max-replicas",
    "5",
  ]);
  assert.equal(capped.report.replicas?.hpa, 13);
  assert.equal(capped.report.replicas?.desired, 5);
  const idle = await checkJson([...cluster(), ...meta({ topic: "public/default/idle" })]);
  assert.equal(idle.code, 0);
  assert.equal(idle.report.isActive, false);
  assert.equal(idle.report.replicas?.desired, 0);
  assert.match(idle.report.verdict, /idle/);
  const floor = await checkJson([
    ...cluster(),
    ...meta({ topic: "public/default/idle" }),
    "--min-replicas",
    "2",
  ]);
  assert.equal(floor.report.replicas?.desired, 2);
  const below = await checkJson([...cluster(), ...meta({ activationMsgBacklogThreshold: "100" })]);
  assert.equal(below.report.isActive, false);
  assert.match(below.report.verdict, /not active: backlog 25 is not above activationMsgBacklogThreshold 100/);
});

void test("--json shape: one object with the same fields as the text", async () => {
  const { report } = await checkJson([...cluster(), ...meta()]);
  assert.deepEqual(Object.keys(report).sort(), [
    "arrivals",
    "cluster",
    "isActive",
    "metricSpec",
    "metricValue",
    "notes",
    "ok",
    "replicas",
    "source",
    "subscription",
    "topic",
    "trigger",
    "verdict",
  ]);
  assert.deepEqual(report.source, { kind: "flags" });
  assert.deepEqual(report.cluster, { name: "default", adminUrl: sim.adminUrl, auth: "none" });
  assert.deepEqual(report.metricValue, { metricValue: 25, metricValueFloat: 25 });
  assert.equal(report.metricSpec?.targetSize, 10);
  assert.equal(report.metricSpec?.targetSizeFloat, 10);
  assert.deepEqual(report.trigger, {
    topic: TOPIC,
    subscription: "workers",
    metric: "msgBacklog",
    msgBacklogThreshold: 10,
    activationMsgBacklogThreshold: 0,
    isPartitionedTopic: null,
  });
  assert.deepEqual(report.subscription, {
    name: "workers",
    type: "Exclusive",
    msgBacklog: 25,
    msgBacklogNoDelayed: 25,
    unackedMessages: 0,
    consumers: 0,
    msgRateOut: 0,
  });
});

void test("unknown subscription: exit 1, the topic's subscriptions listed, a did-you-mean", async () => {
  // A topic no successful check read: each asks the WebSocket service last with a reader, whose
  // subscription may list with the others until the broker has handled its close.
  const { code, report } = await checkJson([
    ...cluster(),
    ...meta({ topic: UNREAD, subscription: "worker" }),
  ]);
  assert.equal(code, 1);
  assert.equal(report.ok, false);
  assert.equal(report.error?.class, "SubscriptionNotFoundError");
  assert.deepEqual([...(report.error?.subscriptions ?? [])].sort(), ["audit", "workers"]);
  assert.match(report.error?.hint ?? "", /Did you mean "workers"\?/);
  assert.match(report.error?.hint ?? "", /never subscribed.*Reader/);
  assert.equal(report.error?.grpcCode, "UNAVAILABLE");
  assert.ok(report.metricSpec, "GetMetricSpec is answered from metadata alone");
  const text = await runCheck([...cluster(), ...meta({ topic: UNREAD, subscription: "worker" })]);
  assert.match(text.out, /^subscriptions: +(workers, audit|audit, workers)$/m);
  assert.match(text.out, /^verdict: +FAIL: subscription not found/m);
});

void test("unknown topic and unknown namespace: exit 1 with a spelling hint", async () => {
  const topic = await checkJson([...cluster(), ...meta({ topic: "public/default/nope" })]);
  assert.equal(topic.code, 1);
  assert.equal(topic.report.error?.class, "TopicNotFoundError");
  assert.match(topic.report.error?.hint ?? "", /tenant, namespace and topic spelling.*non-persistent/);
  const ns = await checkJson([...cluster(), ...meta({ topic: "public/nons/orders" })]);
  assert.equal(ns.code, 1);
  assert.equal(ns.report.error?.class, "NamespaceNotFoundError");
  assert.match(ns.report.error?.hint ?? "", /no namespace public\/nons/);
});

void test("isPartitionedTopic that does not match the topic: the hint says what the topic is", async () => {
  const r = await checkJson([...cluster(), ...meta({ isPartitionedTopic: "true" })]);
  assert.equal(r.code, 1);
  assert.equal(r.report.error?.class, "TopicNotFoundError");
  assert.match(
    r.report.error?.hint ?? "",
    /exists but is not partitioned, while metadata isPartitionedTopic is "true"/,
  );
  const p = await checkJson([...cluster(), ...meta({ topic: PARTED, isPartitionedTopic: "false" })]);
  assert.match(p.report.error?.hint ?? "", /exists but is partitioned \(3 partitions\)/);
});

void test("adminURL of no configured cluster, and bad metadata: INVALID_ARGUMENT, key, value, expected", async () => {
  const url = await checkJson([...cluster(), ...meta({ adminURL: "http://other-pulsar:8080" })]);
  assert.equal(url.code, 1);
  assert.equal(url.report.error?.class, "MetadataError");
  assert.equal(url.report.error?.grpcCode, "INVALID_ARGUMENT");
  assert.match(url.report.error?.hint ?? "", new RegExp(`configured: default=${sim.adminUrl}`));
  assert.equal(url.report.metricSpec, undefined);
  const bad = await checkJson([...cluster(), ...meta({ msgBacklogThreshold: "ten" })]);
  assert.equal(bad.code, 1);
  assert.match(bad.report.error?.message ?? "", /msgBacklogThreshold = "ten": expected a number > 0/);
  assert.match(bad.report.verdict, /^FAIL: bad trigger metadata msgBacklogThreshold: .*INVALID_ARGUMENT/);
  const missing = await checkJson([...cluster(), ...metaFlags({ topic: TOPIC })]);
  assert.match(missing.report.error?.message ?? "", /subscription = \(missing\)/);
});

void test("rate limited and unreachable broker: exit 1 with the matching hint", async () => {
  await sim.control.faults({ pathPattern: "/orders/", status: 429, retryAfterSeconds: 3, count: 1 });
  const limited = await checkJson([...cluster(), ...meta()]);
  assert.equal(limited.report.error?.class, "RateLimitedError");
  assert.match(limited.report.error?.hint ?? "", /Retry-After 3 s/);
  const down = await checkJson(["--pulsar-admin-url", "http://127.0.0.1:1", ...meta()]);
  assert.equal(down.code, 1);
  assert.equal(down.report.error?.class, "NetworkError");
  assert.match(down.report.error?.hint ?? "", /reachable.*WebSocket service is not needed/);
});
