import assert from "node:assert/strict";
import { after, before } from "node:test";
import { backlogOf, KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import type { WatchKey } from "../../src/state/key.js";
import type { AttackTarget } from "../support/attacks/target.js";
import { chartNodeOptions } from "../support/chart-node-options.js";
import { startHub, type HubProc } from "../support/programs.js";
import { adminBacklog, ensureSubscription, fullTopic, refFor } from "../support/pulsar.js";
import { tsxRunner } from "../support/runner.js";

/**
 * One hostile-suite file's world: the simulator in process with one subscription holding a
 * backlog, and a hub as a child process under the chart's NODE_OPTIONS (hub.nodeOptions of
 * values.yaml) with small limits, so that every bound is reached within the test's budget.
 * `assertServing` is what each attack must leave true.
 */

export const TOPIC = "hostile-orders";
export const SUBSCRIPTION = "workers";
export const BACKLOG = 7;
export const TOKEN = "hostile-sidecar-token";
/** Small bounds: reached by a test-sized attack. */
export const LIMITS = { maxStreams: 200, maxScaledObjects: 100, maxKeys: 60 } as const;

export interface World {
  readonly sim: RunningSimulator;
  readonly hub: HubProc;
  readonly target: AttackTarget;
  /** The legitimate ScaledObject, answered before and after every attack. */
  readonly valid: ScaledObjectRef;
  readonly validKey: WatchKey;
  /** The hub is up, answers the legitimate ScaledObject with the backlog Pulsar has, and says so. */
  assertServing(after: string): Promise<void>;
}

/** Registers before/after hooks for the file; the World is ready inside tests. */
export function hostileWorld(extraArgs: readonly string[] = []): World {
  const w = {} as { -readonly [K in keyof World]: World[K] };
  let keda: KedaEmulator | undefined;
  before(async () => {
    w.sim = await startSimulator({ port: 0 });
    await ensureSubscription(w.sim.adminUrl, TOPIC, SUBSCRIPTION);
    await w.sim.control.publish({ topic: `public/default/${TOPIC}`, count: BACKLOG });
    w.hub = await startHub(tsxRunner(), {
      adminUrl: w.sim.adminUrl,
      wsUrl: w.sim.wsUrl,
      sidecarToken: TOKEN,
      env: { NODE_OPTIONS: chartNodeOptions() },
      extraArgs: [
        ...["--max-streams", String(LIMITS.maxStreams)],
        ...["--max-scaled-objects", String(LIMITS.maxScaledObjects)],
        ...["--max-keys", String(LIMITS.maxKeys)],
        // A key Pulsar does not have is answered UNAVAILABLE after this wait (default 5 s).
        ...["--first-read-wait-ms", "1000"],
        ...extraArgs,
      ],
    });
    w.target = {
      grpcAddress: w.hub.grpcAddress,
      httpPort: w.hub.httpPort,
      sidecarToken: TOKEN,
      adminUrl: w.sim.adminUrl,
    };
    w.valid = refFor({ name: "legit", adminUrl: w.sim.adminUrl, topic: TOPIC, subscription: SUBSCRIPTION });
    w.validKey = { cluster: "default", topic: fullTopic(TOPIC), subscription: SUBSCRIPTION };
    keda = new KedaEmulator({ address: w.hub.grpcAddress });
    await w.assertServing("start");
  });
  after(async () => {
    keda?.close();
    await w.hub?.kill();
    await w.sim?.close();
  });
  w.assertServing = async (what: string) => {
    assert.ok(w.hub.isRunning(), `hub exited after ${what}`);
    const k = keda ?? assert.fail("no KEDA client");
    const spec = await k.getMetricSpec(w.valid);
    const metricName = spec.metricSpecs[0]?.metricName ?? "";
    const served = backlogOf(await k.getMetrics(w.valid, metricName));
    const pulsar = await adminBacklog(w.sim.adminUrl, TOPIC, SUBSCRIPTION);
    assert.equal(pulsar, BACKLOG, "the simulator's own backlog");
    assert.equal(served, pulsar, `after ${what}: the hub serves what Pulsar has`);
    assert.equal(await k.isActive(w.valid), true, `after ${what}: active with a backlog`);
  };
  return w;
}
