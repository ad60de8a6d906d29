import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { TrialsResult } from "../lib/activation-trials.js";
import { pushTrials } from "../lib/activation-trials.js";
import { until } from "../lib/load.js";
import { pollingTrials } from "../lib/polling-trials.js";
import { killAll, type Proc } from "../../test/support/programs.js";
import {
  startBaseline,
  startHub,
  startSidecar,
  startSim,
  type HubProc,
  type SimProc,
} from "../../test/support/programs.js";
import { ensureSubscription, fullTopic, refFor } from "../../test/support/pulsar.js";
import { info, judged, type Figure } from "../lib/report.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { sampleSum, scrape } from "../../test/support/scrape.js";
import { ms, summarize } from "../lib/stats.js";
import type { Runner } from "../../test/support/runner.js";

const NAME = "activation";
const TOKEN = "bench-sidecar-token";
/** Fast drain detection so 200 trials fit in the time budget; push latency does not depend on it. */
const HUB_TIMINGS = ["--fast-poll-ms", "100", "--arrival-debounce-ms", "20"];

function figuresOf(label: string, r: TrialsResult, target: boolean): Figure[] {
  const s = summarize(r.latenciesMs);
  const line = `p50 ${ms(s.p50)} / p95 ${ms(s.p95)} / p99 ${ms(s.p99)} / max ${ms(s.max)} (n=${s.n})`;
  const out: Figure[] = target
    ? [judged(NAME, `${label}: p99`, s.p99, ms(s.p99), "< 25 ms", (v) => v < 25 && r.missed === 0, line)]
    : [info(NAME, `${label}: p99`, ms(s.p99, 0), s.p99, line)];
  out.push(
    info(NAME, `${label}: p50 / p95 / max`, `${ms(s.p50, 1)} / ${ms(s.p95, 1)} / ${ms(s.max, 1)}`, s.p50),
  );
  if (target)
    out.push(judged(NAME, `${label}: missed activations`, r.missed, String(r.missed), "0", (v) => v === 0));
  return out;
}

async function hubTrials(
  sim: SimProc,
  hub: HubProc,
  topic: string,
  trials: number,
  before: () => Promise<void> = () => Promise.resolve(),
): Promise<TrialsResult> {
  await ensureSubscription(sim.adminUrl, topic, "workers");
  const keda = new KedaEmulator({ address: hub.grpcAddress, reopenDelayMs: 60_000 });
  try {
    const ref = refFor({ name: `act-${topic}`, adminUrl: sim.adminUrl, topic, subscription: "workers" });
    await keda.isActive(ref).catch(() => false); // puts the key in use
    await before();
    return await pushTrials({
      keda,
      ref,
      control: sim.control,
      wsUrl: sim.wsUrl,
      topic,
      subscription: "workers",
      trials,
    });
  } finally {
    keda.close();
  }
}

async function baselineTrials(
  runner: Runner,
  sim: SimProc,
  intervalMs: number,
  objects: number,
  perObject: number,
  procs: Proc[],
): Promise<TrialsResult> {
  const base = await startBaseline(runner, "polling");
  procs.push(base);
  const keda = new KedaEmulator({ address: base.grpcAddress });
  try {
    const objs = [];
    for (let i = 0; i < objects; i++) {
      const topic = `act-poll-${intervalMs}-${i}`;
      await ensureSubscription(sim.adminUrl, topic, "workers");
      objs.push({
        ref: refFor({ name: topic, adminUrl: sim.adminUrl, topic, subscription: "workers" }),
        topic,
        subscription: "workers",
      });
    }
    return await pollingTrials({
      keda,
      control: sim.control,
      wsUrl: sim.wsUrl,
      objects: objs,
      intervalMs,
      trialsPerObject: perObject,
    });
  } finally {
    keda.close();
  }
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const trials = ctx.quick ? 30 : 200;
  const procs: Proc[] = [];
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    const hub = await startHub(ctx.runner, {
      adminUrl: sim.adminUrl,
      wsUrl: sim.wsUrl,
      sidecarToken: TOKEN,
      extraArgs: HUB_TIMINGS,
    });
    procs.push(hub);
    // The polling baselines run meanwhile (they take ~1 s of CPU in total): 5 s x 4 objects x 5, 30 s x 3 x 2.
    ctx.log(`activation: ${trials} push trials (hub watcher, then sidecar) beside the polling baselines`);
    const poll5 = baselineTrials(ctx.runner, sim, 5000, 4, ctx.quick ? 1 : 5, procs);
    const poll30 = baselineTrials(ctx.runner, sim, 30_000, 3, ctx.quick ? 1 : 2, procs);
    const viaHub = await hubTrials(sim, hub, "act-hub", trials);

    const topic = "act-sidecar";
    await ensureSubscription(sim.adminUrl, topic, "workers");
    const sidecar = await startSidecar(ctx.runner, {
      hubUrl: hub.sidecarUrl,
      hubToken: TOKEN,
      pod: "bench-consumer-0",
      adminUrl: sim.adminUrl,
      wsUrl: sim.wsUrl,
      watch: [`${fullTopic(topic)}:workers`],
      extraArgs: HUB_TIMINGS,
    });
    procs.push(sidecar);
    const sidecarHolds = async () =>
      sampleSum(await scrape(hub.httpPort), "pps_leases", { holder: "sidecar" }) >= 1;
    // The key must be in use for the hub to grant it: trials open the stream; check the lease once it is.
    const arrivalsBefore =
      sampleSum(await scrape(hub.httpPort), "pps_arrivals_total", { watcher: "sidecar" }) || 0;
    const viaSidecar = await hubTrials(sim, hub, topic, trials);
    const held = await until(sidecarHolds, 1000);
    const arrivalsAfter =
      sampleSum(await scrape(hub.httpPort), "pps_arrivals_total", { watcher: "sidecar" }) || 0;
    const [b5, b30] = await Promise.all([poll5, poll30]);
    const figures = [
      ...figuresOf("push, hub watcher", viaHub, true),
      ...figuresOf("push, sidecar lease holder", viaSidecar, true),
      info(
        NAME,
        "sidecar trials: arrivals delivered by the sidecar",
        `${arrivalsAfter - arrivalsBefore} (lease held by sidecar: ${held ? "yes" : "no"})`,
        arrivalsAfter - arrivalsBefore,
      ),
      ...figuresOf("polling baseline, 5 s interval", b5, false),
      ...figuresOf("polling baseline, 30 s interval", b30, false),
    ];
    const notes = [
      `push: ${trials} trials per watcher kind; each drains the subscription (SimControl.ack), waits for IsActive false, publishes one message over the WebSocket producer and times until \`true\` on StreamIsActive. Hub and sidecar run with ${HUB_TIMINGS.join(" ")} so the drain is seen quickly (activation is driven by the WebSocket reader, not by polling).`,
      `polling baseline (bench/baseline/polling-scaler.ts, one /stats request per call, IsActive on a fixed ticker), measured in real time: 5 s interval ${b5.latenciesMs.length} trials (4 ScaledObjects in parallel), 30 s interval ${b30.latenciesMs.length} trials (3 in parallel); each publish at a random phase of the ticker.`,
    ];
    return { figures, notes };
  } finally {
    await killAll(procs);
  }
}

export const activation: Scenario = {
  name: NAME,
  title: "Activation latency: publish -> true on StreamIsActive, push vs polling",
  inDefault: true,
  run,
};
