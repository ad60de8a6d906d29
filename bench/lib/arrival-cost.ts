import type { SimControl } from "../../src/sim/control.js";
import { startProc, type SimProc } from "../../test/support/programs.js";
import { ensureSubscription, fullTopic, TENANT_NS } from "../../test/support/pulsar.js";
import type { Runner } from "../../test/support/runner.js";
import { delay } from "./load.js";
import { clockTicksPerSecond, cpuTicks } from "./proc-sample.js";

export type ProbeTransport = "binary" | "websocket" | "reader";

export interface CostResult {
  /** Messages the broker dispatched to the watcher over the window (the edge included). */
  readonly delivered: number;
  /** Their payload bytes, as the broker counts them (bytesOutCounter). */
  readonly payloadBytes: number;
  /** Bytes on the wire, as the probe counted them (binary only). */
  readonly wireBytes: number | undefined;
  /** Percent of one core the probe process used over the window. */
  readonly cpuPercent: number;
}

const KIB = "x".repeat(1024);
const TICK_MS = 20;

/** Publishes `rate` messages/s of 1 KiB for `durationMs`, in batches through `/_sim/publish`. */
async function publishAt(
  control: SimControl,
  topic: string,
  rate: number,
  durationMs: number,
): Promise<void> {
  const start = performance.now();
  let sent = 0;
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= durationMs) return;
    const due = Math.floor((rate * elapsed) / 1000) - sent;
    if (due > 0) {
      await control.publish({ topic, count: due, payload: KIB });
      sent += due;
    }
    await delay(TICK_MS);
  }
}

/**
 * The topic's msgOutCounter and bytesOutCounter: all the watcher's, since the durable subscription
 * holding the backlog has no consumer; they include subscriptions already gone (a fired WebSocket
 * tripwire closes its reader, and its non-durable subscription goes with it).
 */
async function watcherCounters(adminUrl: string, topic: string): Promise<{ msgs: number; bytes: number }> {
  const res = await fetch(`${adminUrl}/admin/v2/persistent/${TENANT_NS}/${topic}/stats`);
  const body = (await res.json()) as { msgOutCounter: number; bytesOutCounter: number };
  return { msgs: body.msgOutCounter, bytes: body.bytesOutCounter };
}

/**
 * The watcher's cost on an active key: a probe process (bench/lib/arrival-probe.ts) arms one
 * subscription, one message makes the key active (the edge), then the topic takes `rate` msg/s of
 * 1 KiB for `durationMs` while the probe never re-arms. Its CPU comes from /proc, what it was sent
 * from the broker's counters.
 */
export async function costWindow(
  runner: Runner,
  sim: SimProc,
  transport: ProbeTransport,
  topic: string,
  rate: number,
  durationMs: number,
): Promise<CostResult> {
  await ensureSubscription(sim.adminUrl, topic, "workers");
  const probe = await startProc(runner, {
    name: `arrival probe ${transport}`,
    file: "bench/lib/arrival-probe.ts",
    args: [transport, sim.serviceUrl, sim.wsUrl, fullTopic(topic)],
    ready: (r) => r["msg"] === "probe armed",
  });
  try {
    await sim.control.publish({ topic, count: 1, payload: KIB });
    await probe.firstLine((r) => r["msg"] === "probe arrival", 10_000);
    const hz = clockTicksPerSecond();
    const c0 = cpuTicks(probe.pid);
    const t0 = performance.now();
    await publishAt(sim.control, topic, rate, durationMs);
    const c1 = cpuTicks(probe.pid);
    const seconds = (performance.now() - t0) / 1000;
    const counters = await watcherCounters(sim.adminUrl, topic);
    probe.child.kill("SIGTERM");
    const stats = await probe.firstLine((r) => r["msg"] === "probe stats", 10_000);
    const wire = stats["wireBytes"];
    return {
      delivered: counters.msgs,
      payloadBytes: counters.bytes,
      wireBytes: typeof wire === "number" ? wire : undefined,
      cpuPercent: ((c1 - c0) / hz / seconds) * 100,
    };
  } finally {
    await probe.kill();
  }
}
