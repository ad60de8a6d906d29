import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { systemClock } from "../../src/lib/clock.js";
import { ConfigError } from "../../src/lib/errors.js";
import type { AdminRequestOutcome } from "../../src/pulsar/admin-client.js";
import { PulsarClusters } from "../../src/pulsar/clusters.js";
import { UnknownClusterError } from "../../src/pulsar/errors.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { mustAdmin, simCluster } from "./sim-helpers.js";

let sim: RunningSimulator;

before(async () => {
  sim = await startSimulator({ port: 0 });
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/orders");
});

after(() => sim.close());

void test("one access per cluster, built on first use, its admin requests counted through onRequest", async () => {
  const outcomes: AdminRequestOutcome[] = [];
  const broken = simCluster(sim, { kind: "none" }, { name: "broken", caFile: "/nonexistent/ca.pem" });
  const clusters = new PulsarClusters([simCluster(sim), broken], {
    clock: systemClock,
    onRequest: (o) => outcomes.push(o),
  });
  const a = clusters.get("sim");
  assert.equal(clusters.get("sim"), a, "built once");
  await a.stats.topicStats(parseTopicName("persistent://public/default/orders"), false);
  assert.deepEqual(
    outcomes.map((o) => `${o.cluster} ${o.pathKind}`),
    ["sim stats"],
  );
  assert.throws(() => clusters.get("other"), UnknownClusterError);
  assert.throws(() => clusters.get("other"), /cluster "other" is not configured/);
  assert.throws(() => clusters.get("broken"), ConfigError, "a bad CA file fails when the cluster is used");
  await clusters.close();
  await clusters.close();
  assert.throws(() => clusters.get("sim"), /closed/);
});

void test("openAll builds every cluster now: a bad CA file fails at start", () => {
  const broken = simCluster(sim, { kind: "none" }, { name: "broken", caFile: "/nonexistent/ca.pem" });
  const clusters = new PulsarClusters([simCluster(sim), broken], { clock: systemClock });
  assert.throws(() => clusters.openAll(), ConfigError);
  return clusters.close();
});
