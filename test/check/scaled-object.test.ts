import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { triggerFromScaledObject } from "../../src/check/scaled-object.js";
import { ConfigError } from "../../src/lib/errors.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { mustAdmin } from "../pulsar/sim-helpers.js";
import { checkJson, runCheck, tempFiles } from "./helpers.js";

const file = tempFiles("pps-check-so-");
let sim: RunningSimulator;

before(async () => {
  sim = await startSimulator({ port: 0 });
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/orders/subscription/workers");
  await sim.control.publish({ topic: "public/default/orders", count: 7 });
});
after(() => sim.close());

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: orders-consumer}
spec: {replicas: 1}
`;

function scaledObject(triggers: string, extra = ""): string {
  return `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: orders-consumer
  namespace: apps
spec:
  scaleTargetRef: {name: orders-consumer}
${extra}  triggers:
${triggers}`;
}

const pushTrigger = (adminUrl: string) => `    - type: external-push
      metadata:
        scalerAddress: pulsar-push-scaler.apps.svc:9090
        adminURL: ${adminUrl}
        topic: persistent://public/default/orders
        subscription: workers
        msgBacklogThreshold: "2"
`;

void test("--scaled-object: external-push trigger of a multi-document file, with its min/max replicas", async () => {
  const path = file(
    "so.yaml",
    `${deployment}---\n${scaledObject(pushTrigger(sim.adminUrl), "  minReplicaCount: 1\n  maxReplicaCount: 3\n")}`,
  );
  const { code, report } = await checkJson(["--pulsar-admin-url", sim.adminUrl, "--scaled-object", path]);
  assert.equal(code, 0, JSON.stringify(report));
  assert.deepEqual(report.source, {
    kind: "scaled-object",
    file: path,
    name: "orders-consumer",
    namespace: "apps",
    triggerIndex: 0,
    triggerType: "external-push",
  });
  assert.equal(report.subscription?.msgBacklog, 7);
  assert.deepEqual(
    { ...report.replicas, why: undefined },
    { desired: 3, hpa: 4, min: 1, max: 3, why: undefined },
  );
  assert.deepEqual(report.notes.length, 1);
  assert.match(report.notes[0] ?? "", /subscription type Exclusive: only one consumer receives messages/);
  const text = await runCheck(["--pulsar-admin-url", sim.adminUrl, "--scaled-object", path]);
  assert.match(
    text.out,
    /^trigger: +.*so\.yaml: ScaledObject apps\/orders-consumer, spec\.triggers\[0\] \(type external-push\)$/m,
  );
});

void test("--scaled-object: type pulsar is read, with a note on what to change", async () => {
  const trigger =
    pushTrigger(sim.adminUrl)
      .replace("external-push", "pulsar")
      .replace(/ +scalerAddress.*\n/, "") + "      authenticationRef: {name: pulsar-auth}\n";
  const path = file("builtin.yaml", scaledObject(trigger));
  const { code, report } = await checkJson(["--pulsar-admin-url", sim.adminUrl, "--scaled-object", path]);
  assert.equal(code, 0);
  assert.equal(report.source.kind === "scaled-object" && report.source.triggerType, "pulsar");
  assert.match(
    report.notes[0] ?? "",
    /built-in Pulsar scaler.*set type: external-push and add metadata scalerAddress/,
  );
  assert.match(report.notes[1] ?? "", /authenticationRef is not forwarded/);
});

void test("--scaled-object: several triggers need --trigger-index; --metadata overrides a key", async () => {
  const triggers = `    - type: cpu\n      metadata: {value: "50"}\n${pushTrigger(sim.adminUrl)}${pushTrigger(sim.adminUrl).replace("workers", "other")}`;
  const path = file("many.yaml", scaledObject(triggers));
  await assert.rejects(
    runCheck(["--pulsar-admin-url", sim.adminUrl, "--scaled-object", path]),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(
        err.message,
        /\[0\] type cpu, \[1\] type external-push, \[2\] type external-push\): pick one with --trigger-index/,
      );
      return true;
    },
  );
  const second = await checkJson([
    "--pulsar-admin-url",
    sim.adminUrl,
    "--scaled-object",
    path,
    "--trigger-index",
    "2",
  ]);
  assert.equal(second.report.error?.class, "SubscriptionNotFoundError");
  const fixed = await checkJson([
    "--pulsar-admin-url",
    sim.adminUrl,
    "--scaled-object",
    path,
    "--trigger-index",
    "2",
    "--metadata",
    "subscription=workers",
  ]);
  assert.equal(fixed.code, 0);
  assert.equal(fixed.report.notes[0], "--metadata overrides subscription");
});

void test("triggerFromScaledObject: notes for unquoted values, FromEnv keys and a missing scalerAddress; errors", () => {
  const t = triggerFromScaledObject(
    scaledObject(
      "    - type: external-push\n      metadata: {topic: a/b/c, subscriptionFromEnv: SUB, msgBacklogThreshold: 5}\n",
    ),
    "x.yaml",
  );
  assert.equal(t.metadata["msgBacklogThreshold"], "5");
  assert.equal(t.notes.length, 3);
  assert.match(t.notes.join("\n"), /msgBacklogThreshold is 5 \(not a string\): quote it/);
  assert.match(t.notes.join("\n"), /scalerAddress is missing/);
  assert.match(t.notes.join("\n"), /pass the value with --metadata subscription=/);
  const problem = (text: string, pick = {}) => {
    try {
      triggerFromScaledObject(text, "x.yaml", pick);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.message;
    }
    return assert.fail("expected ConfigError");
  };
  assert.match(problem(deployment), /no document with kind: ScaledObject/);
  assert.match(problem("a: [b"), /not valid YAML/);
  assert.match(problem(scaledObject("    - type: cpu\n")), /no external-push or pulsar trigger/);
  assert.match(problem(scaledObject("    - type: cpu\n"), { triggerIndex: 0 }), /is a cpu trigger/);
  assert.match(
    problem(scaledObject("    - type: pulsar\n"), { triggerIndex: 4 }),
    /--trigger-index 4: x.yaml has triggers \[0\] type pulsar/,
  );
  assert.match(
    problem(
      `${scaledObject("    - type: pulsar\n")}---\n${scaledObject("    - type: pulsar\n").replace("name: orders-consumer", "name: b")}`,
    ),
    /2 ScaledObjects \(orders-consumer, b\)/,
  );
});

void test("--scaled-object: a FromEnv key holds an env variable's name, not its value; --metadata gives the value", async () => {
  const trigger = pushTrigger(sim.adminUrl).replace(
    "subscription: workers",
    "subscriptionFromEnv: CONSUMER_SUB",
  );
  const path = file("from-env.yaml", scaledObject(trigger));
  assert.equal(
    triggerFromScaledObject(scaledObject(trigger), "x.yaml").metadata["subscriptionFromEnv"],
    undefined,
  );
  const unresolved = await checkJson(["--pulsar-admin-url", sim.adminUrl, "--scaled-object", path]);
  assert.equal(unresolved.report.error?.class, "MetadataError");
  assert.match(unresolved.report.error?.message ?? "", /subscription or subscriptionFromEnv/);
  assert.match(unresolved.report.notes.join("\n"), /subscriptionFromEnv is resolved by KEDA/);
  // As KEDA forwards it: the resolved value under the FromEnv key, untrimmed.
  const resolved = await checkJson([
    "--pulsar-admin-url",
    sim.adminUrl,
    "--scaled-object",
    path,
    "--metadata",
    "subscriptionFromEnv= workers ",
  ]);
  assert.equal(resolved.code, 0, JSON.stringify(resolved.report));
  assert.equal(resolved.report.subscription?.msgBacklog, 7);
});
