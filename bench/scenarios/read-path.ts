import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { closedLoop, until, type ClosedLoopResult } from "../lib/load.js";
import { killAll, type Proc } from "../../test/support/programs.js";
import { startBaseline, startHub, startSim } from "../../test/support/programs.js";
import { ensureSubscription, refFor } from "../../test/support/pulsar.js";
import { info, judged } from "../lib/report.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { ms, summarize } from "../lib/stats.js";

const NAME = "read-path";
const KEYS = 10;
const SCALED_OBJECTS = 1000;
const CONCURRENCY = 64;

interface Target {
  readonly keda: KedaEmulator;
  readonly refs: readonly ScaledObjectRef[];
  readonly names: readonly string[];
}

/** GetMetrics and IsActive alternately, one RPC per op, round robin over the ScaledObjects. */
async function hammer(t: Target, durationMs: number, concurrency = CONCURRENCY): Promise<ClosedLoopResult> {
  return await closedLoop({
    concurrency,
    durationMs,
    op: async (i) => {
      const j = Math.floor(i / 2) % t.refs.length;
      const ref = t.refs[j] as ScaledObjectRef;
      if (i % 2 === 0) await t.keda.getMetrics(ref, t.names[j] ?? "");
      else await t.keda.isActive(ref);
    },
  });
}

/** Spec for every ref, then one read each until all answer (first reads wait for an observation). */
async function warm(keda: KedaEmulator, refs: readonly ScaledObjectRef[]): Promise<string[]> {
  const names: string[] = [];
  for (const ref of refs) names.push((await keda.getMetricSpec(ref)).metricSpecs[0]?.metricName ?? "");
  await until(
    async () => {
      const r = await Promise.allSettled(refs.map((ref, i) => keda.getMetrics(ref, names[i] ?? "")));
      return r.every((x) => x.status === "fulfilled");
    },
    15_000,
    200,
  );
  return names;
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const durationMs = ctx.quick ? 4000 : 10_000;
  const procs: Proc[] = [];
  const clients: KedaEmulator[] = [];
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    const refs: ScaledObjectRef[] = [];
    for (let k = 0; k < KEYS; k++) {
      await ensureSubscription(sim.adminUrl, `read-${k}`, "workers");
      await sim.control.publish({ topic: `read-${k}`, count: k + 1 });
    }
    for (let i = 0; i < SCALED_OBJECTS; i++) {
      const k = i % KEYS;
      refs.push(
        refFor({ name: `so-${i}`, adminUrl: sim.adminUrl, topic: `read-${k}`, subscription: "workers" }),
      );
    }
    const hub = await startHub(ctx.runner, { adminUrl: sim.adminUrl, wsUrl: sim.wsUrl });
    procs.push(hub);
    const base = await startBaseline(ctx.runner, "constant");
    procs.push(base);

    const hubKeda = new KedaEmulator({ address: hub.grpcAddress });
    const baseKeda = new KedaEmulator({ address: base.grpcAddress });
    clients.push(hubKeda, baseKeda);
    ctx.log("read-path: warming up 1,000 ScaledObjects");
    const hubT: Target = { keda: hubKeda, refs, names: await warm(hubKeda, refs) };
    const baseT: Target = { keda: baseKeda, refs, names: await warm(baseKeda, refs) };
    await hammer(baseT, 1000);
    await hammer(hubT, 1000);
    ctx.log(`read-path: ${durationMs} ms against the constant server, then the hub`);
    const ceiling = await hammer(baseT, durationMs);
    const hubR = await hammer(hubT, durationMs);
    const ceiling1 = await hammer(baseT, 2000, 1);
    const hub1 = await hammer(hubT, 2000, 1);
    const h1 = summarize(hub1.latenciesMs);
    const c1 = summarize(ceiling1.latenciesMs);

    const hs = summarize(hubR.latenciesMs);
    const cs = summarize(ceiling.latenciesMs);
    const ratio = hubR.perSecond / ceiling.perSecond;
    const figures = [
      judged(NAME, "hub p99 (GetMetrics+IsActive)", hs.p99, ms(hs.p99, 3), "< 2 ms", (v) => v < 2),
      info(NAME, "hub p50", ms(hs.p50, 3), hs.p50),
      info(NAME, "hub throughput", `${hubR.perSecond.toFixed(0)} rpc/s`, hubR.perSecond),
      judged(
        NAME,
        "hub / ceiling throughput",
        ratio,
        `${(ratio * 100).toFixed(1)} %`,
        ">= 70 %",
        (v) => v >= 0.7,
      ),
      judged(NAME, "hub errors", hubR.errors, String(hubR.errors), "0", (v) => v === 0, hubR.firstError),
      info(NAME, "ceiling (bare grpc-js) p50 / p99", `${ms(cs.p50, 3)} / ${ms(cs.p99, 3)}`, cs.p99),
      info(NAME, "ceiling throughput", `${ceiling.perSecond.toFixed(0)} rpc/s`, ceiling.perSecond),
      info(NAME, "concurrency 1: hub p50 / p99", `${ms(h1.p50, 3)} / ${ms(h1.p99, 3)}`, h1.p99),
      info(NAME, "concurrency 1: ceiling p50 / p99", `${ms(c1.p50, 3)} / ${ms(c1.p99, 3)}`, c1.p99),
    ];
    const notes = [
      `${SCALED_OBJECTS} ScaledObjects on ${KEYS} keys, one shared connection, concurrency ${CONCURRENCY}, closed loop, ${durationMs / 1000} s per target after 1 s warm-up; one op = one RPC, GetMetrics and IsActive alternating; latency measured in the client (same client for both targets). At concurrency 64 latency is bounded below by 64 / throughput (Little's law), for the bare grpc-js server too; the concurrency-1 rows (2 s each) show the per-call cost.`,
    ];
    return { figures, notes };
  } finally {
    for (const c of clients) c.close();
    await killAll(procs);
  }
}

export const readPath: Scenario = {
  name: NAME,
  title: "KEDA read path: GetMetrics + IsActive for 1,000 ScaledObjects over one connection",
  inDefault: true,
  run,
};
