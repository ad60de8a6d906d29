import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { connectFakeSidecars, type FakeSidecarFleet } from "../../test/support/fake-sidecars.js";
import { chartNodeOptions } from "../../test/support/chart-node-options.js";
import { startKedaPolling, type KedaPolling } from "../lib/keda-polling.js";
import { delay, until } from "../lib/load.js";
import { killAll, type Proc } from "../../test/support/programs.js";
import { cpuPercentOver, mb } from "../lib/proc-sample.js";
import { rssBytes } from "../../test/support/proc-status.js";
import { startHub, startSidecar, startSim, type SimProc } from "../../test/support/programs.js";
import { ensureSubscription, fullTopic, refFor } from "../../test/support/pulsar.js";
import { info, judged, type Figure } from "../lib/report.js";
import type { Runner } from "../../test/support/runner.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { openStreams, sampleSum, scrape } from "../../test/support/scrape.js";
import { ms } from "../lib/stats.js";

const NAME = "footprint";
const TOKEN = "bench-sidecar-token";
const MB = 1024 * 1024;
/*
 * The judged run uses the chart's NODE_OPTIONS (chart-node-options.ts). V8 grows its heap lazily
 * when the machine has memory to spare, so the run with Node's defaults (reported beside it) shows
 * how far RSS drifts without caps.
 */

async function idleSidecar(runner: Runner, sim: SimProc, windowMs: number, procs: Proc[]): Promise<Figure[]> {
  const hub = await startHub(runner, { adminUrl: sim.adminUrl, wsUrl: sim.wsUrl, sidecarToken: TOKEN });
  procs.push(hub);
  const topics = ["fp-a", "fp-b", "fp-c"];
  for (const t of topics) await ensureSubscription(sim.adminUrl, t, "workers");
  const sidecar = await startSidecar(runner, {
    hubUrl: hub.sidecarUrl,
    hubToken: TOKEN,
    pod: "fp-consumer",
    adminUrl: sim.adminUrl,
    wsUrl: sim.wsUrl,
    watch: topics.map((t) => `${fullTopic(t)}:workers`),
  });
  procs.push(sidecar);
  const keda = new KedaEmulator({ address: hub.grpcAddress });
  try {
    for (const t of topics)
      await keda
        .isActive(refFor({ name: t, adminUrl: sim.adminUrl, topic: t, subscription: "workers" }))
        .catch(() => false);
    const held = await until(
      async () => sampleSum(await scrape(hub.httpPort), "pps_leases", { holder: "sidecar" }) >= 3,
      15_000,
      100,
    );
    await delay(3000);
    const cpu = await cpuPercentOver(sidecar.pid, windowMs);
    const rss = rssBytes(sidecar.pid);
    return [
      judged(NAME, "idle sidecar (3 keys) RSS", rss, mb(rss), "< 60 MB", (v) => v < 60 * MB),
      judged(
        NAME,
        "idle sidecar CPU",
        cpu,
        `${cpu.toFixed(2)} % of a core`,
        "< 1 %",
        (v) => v < 1,
        held ? "holds 3 leases" : "did not get its 3 leases",
      ),
      info(NAME, "sidecar startup to ready (connected to hub)", ms(sidecar.startupMs, 0), sidecar.startupMs),
    ];
  } finally {
    keda.close();
  }
}

interface LoadedHub {
  readonly rss: number;
  readonly figures: Figure[];
}

/** The hub under 1,000 ScaledObjects, 200 sidecar sessions and 5,000 streams; `nodeOptions` e.g. a heap cap. */
async function loadedHub(
  runner: Runner,
  sim: SimProc,
  windowMs: number,
  procs: Proc[],
  nodeOptions?: string,
): Promise<LoadedHub> {
  const keys = 100;
  for (let k = 0; k < keys; k++) await ensureSubscription(sim.adminUrl, `fph-${k}`, "workers");
  const hub = await startHub(runner, {
    adminUrl: sim.adminUrl,
    wsUrl: sim.wsUrl,
    sidecarToken: TOKEN,
    logLevel: "info",
    ...(nodeOptions !== undefined && { env: { NODE_OPTIONS: nodeOptions } }),
  });
  procs.push(hub);
  const rssAtReady = rssBytes(hub.pid);
  const keda = new KedaEmulator({ address: hub.grpcAddress, reopenDelayMs: 60_000 });
  let fleet: FakeSidecarFleet | undefined;
  let polling: KedaPolling | undefined;
  try {
    // 1,000 ScaledObjects with 5 external-push triggers each (5 keys): 5,000 streams.
    const refs: ScaledObjectRef[] = [];
    for (let i = 0; i < 5000; i++) {
      const so = i % 1000;
      const key = (so + Math.floor(i / 1000) * 17) % keys;
      refs.push(
        refFor({ name: `fp-so-${so}`, adminUrl: sim.adminUrl, topic: `fph-${key}`, subscription: "workers" }),
      );
    }
    for (const r of refs) keda.watch(r);
    const opened = await until(async () => (await openStreams(hub.httpPort)) >= 5000, 60_000, 250);
    const rssStreams = rssBytes(hub.pid);
    fleet = await connectFakeSidecars(hub.sidecarUrl, TOKEN, 200, (i) => [
      { cluster: "default", topic: fullTopic(`fp-unused-${i}`), subscription: "workers" },
    ]);
    const rssSidecars = rssBytes(hub.pid);
    polling = startKedaPolling({
      refs: refs.slice(0, 1000),
      tickMs: 30_000,
      hpaMs: 15_000,
      onTick: (r) => keda.tick(r),
      onHpaRead: (r) => keda.tick(r),
    });
    await delay(Math.min(15_000, windowMs));
    const rssMid = rssBytes(hub.pid);
    const cpu = await cpuPercentOver(hub.pid, windowMs);
    const rss = rssBytes(hub.pid);
    const sessions = sampleSum(await scrape(hub.httpPort), "pps_sidecars_connected");
    if (nodeOptions === undefined) {
      return {
        rss,
        figures: [
          info(
            NAME,
            "hub RSS with Node's default heap sizing (no NODE_OPTIONS)",
            `${mb(rss)} (after 15 s: ${mb(rssMid)}; ${polling?.calls.errors ?? 0} KEDA call errors)`,
            rss,
          ),
          info(NAME, "hub CPU with Node's default heap sizing", `${cpu.toFixed(2)} % of a core`, cpu),
        ],
      };
    }
    const figures = [
      judged(
        NAME,
        "hub RSS (1,000 SO, 200 sidecars, 5,000 streams), chart's NODE_OPTIONS",
        rss,
        mb(rss),
        "< 150 MB",
        (v) => v < 150 * MB,
        `${opened ? 5000 : "not all"} streams, ${sessions} sidecar sessions, NODE_OPTIONS=${nodeOptions}, ${polling?.calls.errors ?? 0} KEDA call errors`,
      ),
      info(NAME, "hub RSS under polling: after 15 s / at the end", `${mb(rssMid)} / ${mb(rss)}`, rssMid),
      info(
        NAME,
        "hub CPU under KEDA polling (30 s ticks, 15 s HPA reads)",
        `${cpu.toFixed(2)} % of a core`,
        cpu,
      ),
      info(
        NAME,
        "hub RSS: at ready / +5,000 streams / +200 sidecars",
        `${mb(rssAtReady)} / ${mb(rssStreams)} / ${mb(rssSidecars)}`,
        rssAtReady,
      ),
      info(NAME, "hub startup to ready", ms(hub.startupMs, 0), hub.startupMs),
    ];
    return { rss, figures };
  } finally {
    polling?.stop();
    fleet?.close();
    keda.close();
  }
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const windowMs = ctx.quick ? 5000 : 20_000;
  const procs: Proc[] = [];
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    ctx.log("footprint: idle sidecar watching 3 keys");
    const side = await idleSidecar(ctx.runner, sim, windowMs, procs);
    await killAll(procs.splice(1));
    const nodeOptions = chartNodeOptions();
    ctx.log(
      `footprint: hub with 1,000 ScaledObjects, 200 sidecar sessions, 5,000 streams, NODE_OPTIONS=${nodeOptions}`,
    );
    const hub = await loadedHub(ctx.runner, sim, windowMs, procs, nodeOptions);
    await killAll(procs.splice(1));
    ctx.log("footprint: the same hub with Node's default heap sizing");
    const defaults = await loadedHub(ctx.runner, sim, windowMs, procs);
    return {
      figures: [...side, ...hub.figures, ...defaults.figures],
      notes: [
        `RSS from /proc/<pid>/status (VmRSS) of the node process, CPU from /proc/<pid>/stat over ${windowMs / 1000} s; processes run ${ctx.runner.kind === "compiled" ? "as JS transpiled by esbuild (as in the image)" : "under tsx"}; startup = spawn to ready log line. Sidecar: default watch timings, its 3 keys in use by KEDA refs and leased to it. Hub: 100 keys, 200 fake sidecars speaking the real contract (hello + heartbeats, announcing keys no ScaledObject uses). The hub is measured twice: with the NODE_OPTIONS the Helm chart sets (hub.nodeOptions: ${nodeOptions}; judged), then with Node's default heap sizing (the growth without caps is V8 deferring collection while memory is free, not a leak).`,
      ],
    };
  } finally {
    await killAll(procs);
  }
}

export const footprint: Scenario = {
  name: NAME,
  title: "Footprint: RSS, CPU and startup of an idle sidecar and a loaded hub",
  inDefault: true,
  run,
};
