import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { mustAdmin } from "../pulsar/sim-helpers.js";
import { checkJson, metaFlags, runCheck } from "./helpers.js";

// What a person gets wrong in a trigger: a misspelt key, which the hub ignores (so the trigger is
// served with that key's default), and a malformed topic scheme.
let sim: RunningSimulator;
const cluster = (): string[] => ["--pulsar-admin-url", sim.adminUrl, "--pulsar-request-timeout-ms", "2000"];
const TOPIC = "persistent://public/default/orders";

before(async () => {
  sim = await startSimulator({ port: 0 });
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/orders/subscription/workers");
  await sim.control.publish({ topic: TOPIC, count: 30 });
});
after(() => sim.close());

void test("a misspelt threshold key: WARN naming the key it resembles, exit 1, the default threshold shown", async () => {
  const flags = [
    ...cluster(),
    ...metaFlags({ topic: TOPIC, subscription: "workers", msgBacklogThresold: "5" }),
  ];
  const { code, report } = await checkJson(flags);
  assert.equal(code, 1);
  assert.equal(report.ok, false);
  assert.equal(report.error, undefined);
  assert.deepEqual(report.typos, [{ key: "msgBacklogThresold", resembles: "msgBacklogThreshold" }]);
  assert.equal(report.trigger?.msgBacklogThreshold, 10, "the hub reads the default, not the misspelt key");
  assert.match(
    report.verdict,
    /^WARN: likely metadata typo "msgBacklogThresold" \(msgBacklogThreshold\?\), a key the hub ignores; as written, OK: active/,
  );
  const text = await runCheck(flags);
  assert.equal(text.code, 1);
  assert.match(text.out, /^typo: +msgBacklogThresold: did you mean msgBacklogThreshold\? /m);
  assert.match(text.out, /^verdict: +WARN: likely metadata typo/m);
});

void test("case-only differences are typos too; KEDA's own keys and far keys are not", async () => {
  const { code, report } = await checkJson([
    ...cluster(),
    ...metaFlags({
      topic: TOPIC,
      subscription: "workers",
      adminUrl: sim.adminUrl,
      ispartitionedtopic: "false",
      activationMsgBacklogThreshhold: "100",
      scalerAddress: "pps.keda.svc:9090",
      enableTLS: "false",
      unsafeSsl: "false",
      team: "payments",
    }),
  ]);
  assert.equal(code, 1);
  assert.deepEqual(report.typos, [
    { key: "adminUrl", resembles: "adminURL" },
    { key: "ispartitionedtopic", resembles: "isPartitionedTopic" },
    { key: "activationMsgBacklogThreshhold", resembles: "activationMsgBacklogThreshold" },
  ]);
  assert.equal(report.isActive, true, "activation threshold 0, as the hub reads it");
});

void test("without a typo the report has no typos field and the verdict is OK", async () => {
  const { code, report } = await checkJson([
    ...cluster(),
    ...metaFlags({ topic: TOPIC, subscription: "workers", scalerAddress: "pps:9090", team: "payments" }),
  ]);
  assert.equal(code, 0);
  assert.equal(report.typos, undefined);
  assert.match(report.verdict, /^OK: active/);
});

void test("a misspelt required key: FAIL on the missing key, and the hint names the typo", async () => {
  const { code, report } = await checkJson([
    ...cluster(),
    ...metaFlags({ topic: TOPIC, subscripton: "workers" }),
  ]);
  assert.equal(code, 1);
  assert.match(report.error?.message ?? "", /subscription = \(missing\)/);
  assert.match(
    report.error?.hint ?? "",
    /^Metadata has "subscripton": did you mean subscription\? Fix metadata subscription/,
  );
  assert.match(report.verdict, /^FAIL: bad trigger metadata subscription/);
  assert.deepEqual(report.typos, [{ key: "subscripton", resembles: "subscription" }]);
});

void test("a malformed topic scheme is a metadata error naming the forms, not a namespace not found", async () => {
  for (const topic of ["persistent:/public/orders", "persistent//public/default/orders"]) {
    const { code, report } = await checkJson([
      ...cluster(),
      ...metaFlags({ topic, subscription: "workers" }),
    ]);
    assert.equal(code, 1, topic);
    assert.equal(report.error?.class, "MetadataError", topic);
    assert.equal(report.error?.grpcCode, "INVALID_ARGUMENT", topic);
    assert.match(
      report.error?.message ?? "",
      /^trigger metadata topic = ".*": scheme "persistent:?\/\/?" must be persistent:\/\/ or non-persistent:\/\/ \(persistent:\/\/tenant\/namespace\/topic, non-persistent:\/\/tenant\/namespace\/topic or tenant\/namespace\/topic\)$/,
      topic,
    );
    assert.match(report.verdict, /^FAIL: bad trigger metadata topic: /, topic);
  }
});
