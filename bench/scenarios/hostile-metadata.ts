import { spawn } from "node:child_process";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { rssBytes } from "../../test/support/proc-status.js";
import { killAll, startHub, startSim, type HubProc, type Proc } from "../../test/support/programs.js";
import { ensureSubscription, refFor } from "../../test/support/pulsar.js";
import { chartNodeOptions } from "../../test/support/chart-node-options.js";
import { heapOf, kedaP99Row, peakRss, probe, settledRss } from "../lib/hostile-probe.js";
import { delay } from "../lib/load.js";
import { mb } from "../lib/proc-sample.js";
import { info, judged, type Figure } from "../lib/report.js";
import type { Runner } from "../../test/support/runner.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { ms, summarize } from "../lib/stats.js";

// A caller with no credentials sends trigger metadata meant to make the hub keep it (issue: 17
// calls with 3.9 MB topics, or 5,150 with 1,025-byte values, OOMed a chart-capped hub): 4 MB
// values, then distinct 1 KiB invalid values, from a process of its own (bench/lib/metadata-flood.ts).
// Meanwhile the bench process, as KEDA, calls GetMetrics with valid metadata; its latency, the
// hub's RSS and the hub staying up are judged.

const NAME = "hostile-metadata";
const MB = 1024 * 1024;

/** Runs bench/lib/metadata-flood.ts as its own process; resolves with how many calls were refused. */
function flood(
  runner: Runner,
  hub: HubProc,
  adminUrl: string,
  kind: "big" | "small",
  count: number,
  concurrency: number,
): Promise<number> {
  const args = [hub.grpcAddress, adminUrl, kind, String(count), String(concurrency)];
  const child = spawn(process.execPath, runner.argv("bench/lib/metadata-flood.ts", args), {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`metadata-flood ${kind} exited ${code}: ${last}`));
      resolve((JSON.parse(last) as { rejected: number }).rejected);
    });
  });
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const bigCalls = ctx.quick ? 100 : 1000;
  const smallCalls = ctx.quick ? 10_000 : 100_000;
  const nodeOptions = chartNodeOptions();
  const procs: Proc[] = [];
  let keda: KedaEmulator | undefined;
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    await ensureSubscription(sim.adminUrl, "hm-orders", "workers");
    const hub = await startHub(ctx.runner, {
      adminUrl: sim.adminUrl,
      wsUrl: sim.wsUrl,
      env: { NODE_OPTIONS: nodeOptions },
    });
    procs.push(hub);
    keda = new KedaEmulator({ address: hub.grpcAddress });
    const ref = refFor({
      name: "hm-valid",
      adminUrl: sim.adminUrl,
      topic: "hm-orders",
      subscription: "workers",
    });
    const metricName = (await keda.getMetricSpec(ref)).metricSpecs[0]?.metricName ?? "";
    await keda.getMetrics(ref, metricName); // the key is watched and observed before the attack
    await delay(1000);
    const rssStart = rssBytes(hub.pid);
    const heapStart = await heapOf(hub);
    const p = probe(keda, ref, metricName);
    ctx.log(`${NAME}: ${bigCalls} calls with 4 MB topics, NODE_OPTIONS=${nodeOptions}`);
    const bigWork = flood(ctx.runner, hub, sim.adminUrl, "big", bigCalls, 4);
    const bigPeak = await peakRss(hub, bigWork);
    const bigRefused = await bigWork;
    const bigLat = summarize(p.latencies);
    const rssAfterBig = await settledRss(hub);
    ctx.log(`${NAME}: ${smallCalls} calls with distinct 1 KiB invalid values`);
    const smallWork = flood(ctx.runner, hub, sim.adminUrl, "small", smallCalls, 16);
    const smallPeak = await peakRss(hub, smallWork);
    const smallRefused = await smallWork;
    await p.stop();
    const alive = hub.isRunning();
    const rssEnd = alive ? await settledRss(hub) : NaN;
    const heapEnd = alive ? await heapOf(hub) : "";
    const lat = summarize(p.latencies);
    const smallLat = summarize(p.latencies.slice(bigLat.n));
    const growth = rssEnd - rssStart;
    const figures: Figure[] = [
      judged(
        NAME,
        `hub RSS growth after ${bigCalls.toLocaleString("en")} x 4 MB + ${smallCalls.toLocaleString("en")} x 1 KiB junk calls`,
        growth,
        `${growth >= 0 ? "+" : ""}${mb(growth)}`,
        "<= +20 MB",
        (v) => v <= 20 * MB,
        `${mb(rssStart)} -> ${mb(rssEnd)}; NODE_OPTIONS=${nodeOptions}`,
      ),
      judged(
        NAME,
        "hub alive after the junk calls",
        alive ? 1 : 0,
        alive ? "yes" : "no (exited)",
        "yes",
        (v) => v === 1,
      ),
      kedaP99Row(NAME, "the junk calls", lat, p.failures()),
      info(
        NAME,
        "hub RSS peak: during 4 MB calls / during 1 KiB calls",
        `${mb(bigPeak)} / ${mb(smallPeak)}`,
        bigPeak,
        `settled after the 4 MB calls: ${mb(rssAfterBig)}`,
      ),
      info(
        NAME,
        "valid GetMetrics p99: during 4 MB calls / during 1 KiB calls",
        `${ms(bigLat.p99)} / ${ms(smallLat.p99)}`,
        bigLat.p99,
        `${bigLat.n} / ${smallLat.n} calls`,
      ),
      info(NAME, "hub memory (/metrics) before / after", `${heapStart} / ${heapEnd}`),
      info(
        NAME,
        "junk calls refused (INVALID_ARGUMENT expected for all)",
        `${bigRefused} of ${bigCalls} / ${smallRefused} of ${smallCalls}`,
        bigRefused + smallRefused,
      ),
    ];
    return {
      figures,
      notes: [
        "the attacker is its own process (bench/lib/metadata-flood.ts); the valid caller, in the bench process, measures its latency",
      ],
    };
  } finally {
    keda?.close();
    await killAll(procs);
  }
}

export const hostileMetadata: Scenario = {
  name: NAME,
  title: "Hostile metadata: 4 MB and 1 KiB junk values leave the hub's memory flat and KEDA answered",
  inDefault: false,
  hostile: true,
  run,
};
