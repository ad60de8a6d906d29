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
import { armedConsumers, ensureSubscription, fullTopic, refFor } from "../../test/support/pulsar.js";
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
    ? [judged(NAME, `${label}: p99`, s.p99, ms(s.p99), "< 10 ms", (v) => v < 10 && r.missed === 0, line)]
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
  const adminUrl = sim.adminUrl;
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
      armed: async () => (await armedConsumers(adminUrl, topic)) >= 1,
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

type Transport = "binary" | "websocket";

/** The hub's and the sidecar's flags that pick `transport` for the cluster's arrivals. */
function transportArgs(sim: SimProc, transport: Transport): string[] {
  return transport === "binary"
    ? ["--pulsar-service-url", sim.serviceUrl, "--pulsar-arrivals", "binary"]
    : ["--pulsar-ws-url", sim.wsUrl, "--pulsar-arrivals", "websocket"];
}

interface TransportResult {
  readonly viaHub: TrialsResult;
  readonly viaSidecar: TrialsResult;
  readonly sidecarArrivals: number;
  readonly held: boolean;
  /** What the hub logged it uses, e.g. `binary (pulsar://127.0.0.1:PORT, arrivals=binary)`. */
  readonly said: string;
}

/** Hub-watcher trials, then sidecar-holder trials, with a hub and a sidecar on `transport`. */
async function transportTrials(
  ctx: ScenarioContext,
  sim: SimProc,
  transport: Transport,
  trials: number,
  procs: Proc[],
): Promise<TransportResult> {
  const args = [...transportArgs(sim, transport), ...HUB_TIMINGS];
  const hub = await startHub(ctx.runner, { adminUrl: sim.adminUrl, sidecarToken: TOKEN, extraArgs: args });
  procs.push(hub);
  ctx.log(`activation: ${trials} trials over ${transport}, hub watcher then sidecar`);
  const viaHub = await hubTrials(sim, hub, `act-hub-${transport}`, trials);
  const said = hub.lines.map((l) => String(l["msg"])).find((m) => m.startsWith("arrivals: ")) ?? "";

  const topic = `act-sidecar-${transport}`;
  await ensureSubscription(sim.adminUrl, topic, "workers");
  // The sidecar announces the key before KEDA opens it: the hub grants it straight to the sidecar.
  const sidecar = await startSidecar(ctx.runner, {
    hubUrl: hub.sidecarUrl,
    hubToken: TOKEN,
    pod: `bench-consumer-${transport}`,
    adminUrl: sim.adminUrl,
    watch: [`${fullTopic(topic)}:workers`],
    extraArgs: args,
  });
  procs.push(sidecar);
  const sidecarHolds = async () =>
    sampleSum(await scrape(hub.httpPort), "pps_leases", { holder: "sidecar" }) >= 1;
  const arrivalsBefore = sampleSum(await scrape(hub.httpPort), "pps_arrivals_total", { watcher: "sidecar" });
  // The first IsActive puts the key in use; the trials start once the sidecar holds its lease.
  const viaSidecar = await hubTrials(sim, hub, topic, trials, async () => {
    await until(sidecarHolds, 10_000);
  });
  const held = await sidecarHolds();
  const arrivalsAfter = sampleSum(await scrape(hub.httpPort), "pps_arrivals_total", { watcher: "sidecar" });
  await killAll([sidecar, hub]);
  return { viaHub, viaSidecar, sidecarArrivals: arrivalsAfter - arrivalsBefore, held, said };
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const trials = ctx.quick ? 30 : 200;
  const procs: Proc[] = [];
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    // The polling baselines run meanwhile (they take ~1 s of CPU in total): 5 s x 4 objects x 5, 30 s x 3 x 2.
    ctx.log(`activation: ${trials} push trials per transport beside the polling baselines`);
    const poll5 = baselineTrials(ctx.runner, sim, 5000, 4, ctx.quick ? 1 : 5, procs);
    const poll30 = baselineTrials(ctx.runner, sim, 30_000, 3, ctx.quick ? 1 : 2, procs);
    const figures: Figure[] = [];
    const said: string[] = [];
    for (const transport of ["binary", "websocket"] as const) {
      const r = await transportTrials(ctx, sim, transport, trials, procs);
      said.push(r.said);
      figures.push(
        ...figuresOf(`push ${transport}, hub watcher`, r.viaHub, true),
        ...figuresOf(`push ${transport}, sidecar lease holder`, r.viaSidecar, true),
        info(
          NAME,
          `${transport} sidecar trials: arrivals delivered by the sidecar`,
          `${r.sidecarArrivals} (lease held by sidecar: ${r.held ? "yes" : "no"})`,
          r.sidecarArrivals,
        ),
      );
    }
    const [b5, b30] = await Promise.all([poll5, poll30]);
    figures.push(
      ...figuresOf("polling baseline, 5 s interval", b5, false),
      ...figuresOf("polling baseline, 30 s interval", b30, false),
    );
    const notes = [
      `push: ${trials} trials per transport and watcher kind (the hubs logged ${said.map((s) => `\`${s}\``).join(" and ")}); each drains the subscription (SimControl.ack), waits for IsActive false and for the tripwire to be re-armed (a consumer on the topic holding a permit again, from the admin stats), publishes one message over the WebSocket producer and times until \`true\` on StreamIsActive. Hub and sidecar run with ${HUB_TIMINGS.join(" ")} so the drain is seen quickly (activation is driven by the tripwire, not by polling).`,
      `polling baseline (bench/baseline/polling-scaler.ts, one /stats request per call, IsActive on a fixed ticker), measured in real time: 5 s interval ${b5.latenciesMs.length} trials (4 ScaledObjects in parallel), 30 s interval ${b30.latenciesMs.length} trials (3 in parallel); each publish at a random phase of the ticker.`,
    ];
    return { figures, notes };
  } finally {
    await killAll(procs);
  }
}

export const activation: Scenario = {
  name: NAME,
  title: "Activation latency: publish -> true on StreamIsActive, binary and WebSocket push vs polling",
  inDefault: true,
  run,
};
