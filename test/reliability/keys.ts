import { status, type ServiceError } from "@grpc/grpc-js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import type { SimProc } from "../support/programs.js";
import { ensureSubscription, fullTopic, refFor } from "../support/pulsar.js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { eventually } from "../support/latch.js";
import { BacklogHistory, MetricsProbe } from "./invariants.js";
import { STALENESS_MS } from "./harness.js";

/** One subscription under test: its trigger, its true backlog over time, and a probe checking it. */
export interface KeyUnderTest {
  readonly topic: string;
  readonly ref: ScaledObjectRef;
  readonly metricName: string;
  readonly history: BacklogHistory;
  readonly probe: MetricsProbe;
  /** Publishes `n` messages (control API) and records the new backlog. */
  publish(n: number): Promise<void>;
  /** Acks everything and records backlog 0. */
  drain(): Promise<void>;
}

/** The metric value, or the gRPC status code of the error. */
export async function read(
  keda: KedaEmulator,
  ref: ScaledObjectRef,
  name: string,
): Promise<number | { code: status; details: string }> {
  try {
    return (await keda.getMetrics(ref, name)).metricValues[0]?.metricValueFloat ?? NaN;
  } catch (err) {
    const e = err as ServiceError;
    return { code: e.code ?? status.UNKNOWN, details: e.details ?? "" };
  }
}

/** Waits until GetMetrics answers `value`. */
export async function servesValue(
  keda: KedaEmulator,
  k: Pick<KeyUnderTest, "ref" | "metricName" | "topic">,
  value: number,
  timeoutMs = 10_000,
): Promise<void> {
  await eventually(
    async () => (await read(keda, k.ref, k.metricName)) === value,
    timeoutMs,
    `${k.topic} serves ${value}`,
  );
}

/** Waits until GetMetrics answers UNAVAILABLE; returns its details. */
export async function unavailable(
  keda: KedaEmulator,
  k: Pick<KeyUnderTest, "ref" | "metricName" | "topic">,
  timeoutMs = 10_000,
): Promise<string> {
  let details = "";
  await eventually(
    async () => {
      const r = await read(keda, k.ref, k.metricName);
      if (typeof r === "number" || r.code !== status.UNAVAILABLE) return false;
      details = r.details;
      return true;
    },
    timeoutMs,
    `${k.topic} UNAVAILABLE`,
  );
  return details;
}

/** Creates the subscription with `backlog` messages, waits until the hub serves it, starts a probe. */
export async function keyUnderTest(
  sim: SimProc,
  keda: KedaEmulator,
  topic: string,
  backlog: number,
): Promise<KeyUnderTest> {
  await ensureSubscription(sim.adminUrl, topic, "workers");
  const history = new BacklogHistory(0);
  if (backlog > 0) await sim.control.publish({ topic: fullTopic(topic), count: backlog });
  history.set(backlog);
  const ref = refFor({ name: `so-${topic}`, adminUrl: sim.adminUrl, topic, subscription: "workers" });
  const metricName = (await keda.getMetricSpec(ref)).metricSpecs[0]?.metricName ?? "";
  let total = backlog;
  const publish = async (n: number) => {
    await sim.control.publish({ topic: fullTopic(topic), count: n });
    total += n;
    history.set(total);
  };
  const drain = async () => {
    await sim.control.ack(fullTopic(topic), "workers", 1_000_000);
    total = 0;
    history.set(0);
  };
  await servesValue(keda, { ref, metricName, topic }, backlog);
  const probe = new MetricsProbe({ keda, ref, metricName, history, windowMs: STALENESS_MS + 500 });
  return { topic, ref, metricName, history, probe, publish, drain };
}
