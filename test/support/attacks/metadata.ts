import { KedaEmulator } from "../../../src/keda/keda-emulator.js";
import type { ScaledObjectRef } from "../../../src/keda/messages.js";
import { codeName, inParallel, Tally, type AttackResult, type AttackTarget } from "./target.js";

/*
 * Callers with no credentials and junk trigger metadata (issue 11 items 1 and 3). Each call is
 * GetMetricSpec or GetMetrics with metadata no valid trigger has; the outcome is its status name.
 */

const BASE_TOPIC = "persistent://public/default/";

function ref(target: AttackTarget, name: string, metadata: Record<string, string>): ScaledObjectRef {
  return {
    name,
    namespace: "hostile",
    scalerMetadata: { adminURL: target.adminUrl, subscription: "s", topic: `${BASE_TOPIC}x`, ...metadata },
  };
}

async function calls(
  target: AttackTarget,
  count: number,
  concurrency: number,
  make: (i: number) => ScaledObjectRef,
  call: "spec" | "metrics" = "spec",
): Promise<AttackResult> {
  const keda = new KedaEmulator({ address: target.grpcAddress });
  const t = new Tally();
  try {
    await inParallel(count, concurrency, async (i) => {
      t.sent++;
      const r = make(i);
      const p =
        call === "spec"
          ? keda.getMetricSpec(r)
          : keda.getMetricSpec(r).then((spec) => keda.getMetrics(r, spec.metricSpecs[0]?.metricName ?? ""));
      t.add(await p.then(() => "OK", codeName));
    });
  } finally {
    keda.close();
  }
  return t.result();
}

/** 3.9 MB topic values: over the gRPC message bound (RESOURCE_EXHAUSTED from the length prefix). */
export function oversizedMetadata(target: AttackTarget, count: number): Promise<AttackResult> {
  const big = "t".repeat(3_900_000);
  return calls(target, count, 2, (i) => ref(target, `big-${i}`, { topic: `${i}${big}` }));
}

/** Maps of `keys` keys (50,000: over the message bound; 1,000: over the 128-key bound). */
export function wideMetadata(target: AttackTarget, count: number, keys = 50_000): Promise<AttackResult> {
  const wide = Object.fromEntries(Array.from({ length: keys }, (_, k) => [`k${k}`, "v"]));
  return calls(target, count, 2, (i) => ref(target, `wide-${i}`, { ...wide, topic: `${BASE_TOPIC}w${i}` }));
}

/** Distinct 1 KiB invalid values (INVALID_ARGUMENT; none may be kept). */
export function junkValues(target: AttackTarget, count: number): Promise<AttackResult> {
  const pad = "z".repeat(1100);
  return calls(target, count, 16, (i) =>
    ref(
      target,
      `junk-${i}`,
      i % 2 === 0
        ? { topic: `${BASE_TOPIC}${i}-${pad}`.slice(0, 1025) }
        : { isPartitionedTopic: `maybe-${i}-${pad}`.slice(0, 1024) },
    ),
  );
}

/**
 * Distinct ScaledObject names by GetMetricSpec then GetMetrics (which puts the key in use), the i-th on the topic
 * and subscription of public/default `at(i)` names: on topics Pulsar does not have, an OK would
 * be a value Pulsar never had; on a real subscription, they fill --max-scaled-objects.
 */
export function capacityJunk(
  target: AttackTarget,
  count: number,
  at: (i: number) => { readonly topic: string; readonly subscription: string },
): Promise<AttackResult> {
  return calls(
    target,
    count,
    32,
    (i) => {
      const { topic, subscription } = at(i);
      return ref(target, `cap-${i}`, { topic: `${BASE_TOPIC}${topic}`, subscription });
    },
    "metrics",
  );
}
