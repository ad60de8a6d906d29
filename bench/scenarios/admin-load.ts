import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { startKedaPolling, type KedaPolling } from "../lib/keda-polling.js";
import { delay } from "../lib/load.js";
import { killAll, type Proc } from "../../test/support/programs.js";
import {
  startBaseline,
  startHub,
  startSidecar,
  startSim,
  type SimProc,
} from "../../test/support/programs.js";
import { ensureSubscription, fullTopic, refFor } from "../../test/support/pulsar.js";
import { info, judged, type Figure } from "../lib/report.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { startTraffic, type Traffic } from "../lib/traffic.js";

const NAME = "admin-load";
const KEYS = 10;
const SIDECARS = 20;
const COMPRESSION = 10;
const TOKEN = "bench-sidecar-token";
/** Watch timings divided by COMPRESSION (defaults: slow 30 s, active 15 s, fast 1 s, no-arrivals 5 s, debounce 50 ms). */
const TIMINGS = [
  ["--slow-poll-ms", "3000"],
  ["--fast-poll-ms", "100"],
  ["--active-poll-ms", "1500"],
  ["--no-arrivals-poll-ms", "500"],
  ["--arrival-debounce-ms", "5"],
  ["--error-backoff-base-ms", "100"],
  ["--error-backoff-max-ms", "3000"],
].flat();
const topics = Array.from({ length: KEYS }, (_, k) => `load-${k}`);

interface Stack {
  readonly sim: SimProc;
  readonly keda: KedaEmulator;
  readonly refs: ScaledObjectRef[];
  polling?: KedaPolling;
  traffic?: Traffic;
  /** Starts KEDA's polling of refs[from..to). */
  poll(from: number, to: number): void;
}

async function startStacks(ctx: ScenarioContext, procs: Proc[]): Promise<{ push: Stack; base: Stack }> {
  const [simA, simB] = await Promise.all([startSim(ctx.runner), startSim(ctx.runner)]);
  procs.push(simA, simB);
  for (const t of topics)
    await Promise.all([simA, simB].map((s) => ensureSubscription(s.adminUrl, t, "workers")));
  const hub = await startHub(ctx.runner, {
    adminUrl: simA.adminUrl,
    wsUrl: simA.wsUrl,
    sidecarToken: TOKEN,
    extraArgs: TIMINGS,
  });
  procs.push(hub);
  for (let batch = 0; batch < SIDECARS; batch += 5) {
    const started = await Promise.all(
      Array.from({ length: 5 }, (_, j) =>
        startSidecar(ctx.runner, {
          hubUrl: hub.sidecarUrl,
          hubToken: TOKEN,
          pod: `load-consumer-${batch + j}`,
          adminUrl: simA.adminUrl,
          wsUrl: simA.wsUrl,
          watch: [`${fullTopic(topics[(batch + j) % KEYS] ?? "")}:workers`],
          extraArgs: TIMINGS,
        }),
      ),
    );
    procs.push(...started);
  }
  const base = await startBaseline(ctx.runner, "polling");
  procs.push(base);
  const refsFor = (sim: SimProc) =>
    Array.from({ length: 200 }, (_, i) =>
      refFor({
        name: `load-so-${i}`,
        adminUrl: sim.adminUrl,
        topic: topics[i % KEYS] ?? "",
        subscription: "workers",
      }),
    );
  const tickMs = 30_000 / COMPRESSION;
  const hpaMs = 15_000 / COMPRESSION;
  const pushKeda = new KedaEmulator({ address: hub.grpcAddress, reopenDelayMs: 2000 / COMPRESSION });
  const baseKeda = new KedaEmulator({ address: base.grpcAddress });
  const push: Stack = {
    sim: simA,
    keda: pushKeda,
    refs: refsFor(simA),
    poll(from, to) {
      const refs = this.refs.slice(from, to);
      for (const r of refs) pushKeda.watch(r);
      const p = startKedaPolling({
        refs,
        tickMs,
        hpaMs,
        onTick: (r) => pushKeda.tick(r),
        onHpaRead: (r) => pushKeda.tick(r),
      });
      const prev = this.polling;
      this.polling = { calls: p.calls, stop: () => (prev?.stop(), p.stop()) };
    },
  };
  const baseStack: Stack = {
    sim: simB,
    keda: baseKeda,
    refs: refsFor(simB),
    poll(from, to) {
      const refs = this.refs.slice(from, to);
      const p = startKedaPolling({
        refs,
        tickMs,
        hpaMs,
        onTick: (r) => baseKeda.isActive(r),
        onHpaRead: (r) => baseKeda.getMetrics(r, "pulsar"),
      });
      const prev = this.polling;
      this.polling = { calls: p.calls, stop: () => (prev?.stop(), p.stop()) };
    },
  };
  return { push, base: baseStack };
}

/** Admin requests per simulated minute during `windowMs` of real time, for both stacks. */
async function measure(stacks: readonly Stack[], windowMs: number): Promise<number[]> {
  await Promise.all(stacks.map((s) => s.sim.control.resetRequests()));
  await delay(windowMs);
  const counts = await Promise.all(stacks.map((s) => s.sim.control.requests()));
  const simMinutes = (windowMs * COMPRESSION) / 60_000;
  return counts.map((c) => c.total / simMinutes);
}

async function traffic(s: Stack): Promise<Traffic> {
  return await startTraffic({
    control: s.sim.control,
    wsUrl: s.sim.wsUrl,
    topics,
    subscription: "workers",
    publishEveryMs: 100,
    ackEveryMs: 300,
  });
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const windowMs = ctx.quick ? 8000 : 20_000;
  const settleMs = 3000;
  const procs: Proc[] = [];
  let stacks: Stack[] = [];
  try {
    ctx.log(`admin-load: starting 2 simulators, hub, ${SIDECARS} sidecars, polling baseline`);
    const { push, base } = await startStacks(ctx, procs);
    stacks = [push, base];
    for (const s of stacks) s.poll(0, 100);
    await delay(settleMs);
    const phases: Array<{ label: string; rates: number[] }> = [];
    const phase = async (label: string) => {
      ctx.log(`admin-load: ${label}`);
      phases.push({ label, rates: await measure(stacks, windowMs) });
    };
    await phase("100 ScaledObjects, idle");
    for (const s of stacks) s.traffic = await traffic(s);
    await phase("100 ScaledObjects, traffic");
    for (const s of stacks) await s.traffic?.stop();
    for (const s of stacks) s.poll(100, 200);
    await delay(settleMs);
    await phase("200 ScaledObjects, idle");
    for (const s of stacks) s.traffic = await traffic(s);
    await phase("200 ScaledObjects, traffic");
    for (const s of stacks) await s.traffic?.stop();

    const figures: Figure[] = [];
    const rate = (i: number, j: number) => phases[i]?.rates[j] ?? NaN;
    const fmt = (v: number) => `${v.toFixed(1)}/min (${(v / KEYS).toFixed(1)}/min per key)`;
    phases.forEach((p, i) => {
      // Issue 10 item 2: demand-driven polling, per key whatever the number of ScaledObjects.
      const busy = p.label.endsWith("traffic");
      const perKeyMax = busy ? 8 : 2.5;
      figures.push(
        judged(
          NAME,
          `push: ${p.label}`,
          rate(i, 0) / KEYS,
          fmt(rate(i, 0)),
          `<= ${perKeyMax}/min per key`,
          (v) => v <= perKeyMax,
        ),
      );
      figures.push(info(NAME, `polling baseline: ${p.label}`, fmt(rate(i, 1)), rate(i, 1)));
    });
    const within = (v: number) => v >= 0.8 && v <= 1.25;
    const idleRatio = rate(2, 0) / rate(0, 0);
    const busyRatio = rate(3, 0) / rate(1, 0);
    figures.push(
      judged(
        NAME,
        "push: 200/100 ScaledObjects, idle",
        idleRatio,
        `x${idleRatio.toFixed(2)}`,
        "x1 (0.8-1.25): O(keys)",
        within,
      ),
    );
    figures.push(
      judged(
        NAME,
        "push: 200/100 ScaledObjects, traffic",
        busyRatio,
        `x${busyRatio.toFixed(2)}`,
        "x1 (0.8-1.25): O(keys)",
        within,
      ),
    );
    const baseRatio = rate(2, 1) / rate(0, 1);
    figures.push(
      info(NAME, "polling baseline: 200/100 ScaledObjects, idle", `x${baseRatio.toFixed(2)}`, baseRatio),
    );
    const fewer = rate(0, 1) / rate(0, 0);
    figures.push(
      info(NAME, "baseline / push requests, 100 ScaledObjects idle", `x${fewer.toFixed(0)}`, fewer),
    );
    const calls = push.polling?.calls;
    // The hub never serves an observation older than its staleness bound: such a read fails, so
    // no failed KEDA call means every GetMetrics answer was within the staleness rules.
    const failed = calls?.errors ?? NaN;
    figures.push(
      judged(
        NAME,
        "push: KEDA calls failed (stale data is refused, never served)",
        failed,
        String(failed),
        "0",
        (v) => v === 0,
      ),
    );
    return {
      figures,
      notes: [
        `time-compressed x${COMPRESSION}: KEDA ticks every ${30_000 / COMPRESSION} ms (30 s), HPA reads every ${15_000 / COMPRESSION} ms (15 s), watch timings ${TIMINGS.join(" ")}; each phase counts the simulator's admin requests (SimControl.requests) over ${windowMs / 1000} s real = ${((windowMs * COMPRESSION) / 60_000).toFixed(1)} simulated minutes, reported per simulated minute.`,
        `push stack: hub + ${SIDECARS} sidecars (2 per key, one holds the lease), ${KEYS} keys, one StreamIsActive per ScaledObject, each tick and HPA read = GetMetricSpec + GetMetrics + IsActive; KEDA calls made: ${calls?.ticks ?? 0} ticks, ${calls?.hpaReads ?? 0} HPA reads, ${calls?.errors ?? 0} errors.`,
        "polling baseline: its own simulator; KEDA's built-in scaler makes one /stats request per polling tick and per HPA read (IsActive on ticks, GetMetrics on HPA reads). Traffic: one message per key every 100 ms, a consumer acks every 300 ms.",
      ],
    };
  } finally {
    for (const s of stacks) {
      s.polling?.stop();
      await s.traffic?.stop();
      s.keda.close();
    }
    await killAll(procs);
  }
}

export const adminLoad: Scenario = {
  name: NAME,
  title: "Pulsar admin load: 100 -> 200 ScaledObjects on 10 keys, 20 sidecars, KEDA-like polling",
  inDefault: true,
  run,
};
