import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { rssBytes } from "../../test/support/proc-status.js";
import {
  killAll,
  startHub,
  startSim,
  type HubProc,
  type Proc,
  type SimProc,
} from "../../test/support/programs.js";
import { ensureSubscription, refFor } from "../../test/support/pulsar.js";
import type { Runner } from "../../test/support/runner.js";
import { sampleSum, scrape } from "../../test/support/scrape.js";
import { chartMemoryLimitBytes, chartNodeOptions } from "../../test/support/chart-node-options.js";
import { delay, until } from "../lib/load.js";
import { mb } from "../lib/proc-sample.js";
import { info, judged, type Figure } from "../lib/report.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { ms, summarize } from "../lib/stats.js";
import { heapOf, kedaP99Row, peakRss, probe, settledRss } from "../lib/hostile-probe.js";

// Issue 11 items 5 and 6, against a hub process, with the sidecar sessions in a process of their
// own (bench/lib/sidecar-fleet.ts) and the bench process as KEDA:
// - maximal hellos: 2,048 sessions (the connection limit) each sending the largest hello the
//   contract allows, under the chart's heap caps and default gateway limits: the hub stays up,
//   within the chart's memory limit, and answers KEDA;
// - mass disconnect: 1,000 sessions x 256 keys holding the leases of 500 keys in use drop at once;
//   the hub takes the keys back without blocking its event loop over 50 ms (monitorEventLoopDelay,
//   read from the hub's own nodejs_eventloop_lag_max_seconds, reset by the scrape before the drop).

const NAME = "hostile-gateway";
const TOKEN = "hostile-gateway-token";
const MB = 1024 * 1024;
const MASS_NODE_OPTIONS = "--max-old-space-size=384 --max-semi-space-size=2";

interface Fleet {
  /** The fleet's line once every session joined or was closed. */
  readonly settled: Promise<{ joined: number; closed: number; codes: Record<string, number> }>;
  /** Terminates every session at once; resolves when the fleet said so. */
  drop(): Promise<void>;
}

function fleet(runner: Runner, hub: HubProc, mode: "maximal" | "leases", count: number, inUse = 1): Fleet {
  const args = [hub.sidecarUrl, TOKEN, mode, String(count), String(inUse)];
  const child = spawn(process.execPath, runner.argv("bench/lib/sidecar-fleet.ts", args), {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const r = await lines.next();
    if (r.done) throw new Error(`sidecar-fleet ${mode} ended early`);
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  const settled = nextLine() as Promise<{ joined: number; closed: number; codes: Record<string, number> }>;
  return {
    settled,
    async drop() {
      await settled;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.stdin.write("drop\n");
      await nextLine();
      await exited;
    },
  };
}

/** Total GC time (ms) and count by kind, from the hub's /metrics. */
function gcTimes(text: string) {
  const sum = (kind: string) => sampleSum(text, "nodejs_gc_duration_seconds_sum", { kind }) * 1000;
  const count = (kind: string) => sampleSum(text, "nodejs_gc_duration_seconds_count", { kind });
  return { major: sum("major"), majorCount: count("major"), minor: sum("minor"), minorCount: count("minor") };
}

async function kedaRef(keda: KedaEmulator, ref: ScaledObjectRef): Promise<string> {
  const metricName = (await keda.getMetricSpec(ref)).metricSpecs[0]?.metricName ?? "";
  await keda.getMetrics(ref, metricName);
  return metricName;
}

async function maximalHellos(ctx: ScenarioContext, sim: SimProc, procs: Proc[]): Promise<Figure[]> {
  const sessions = ctx.quick ? 512 : 2048;
  const nodeOptions = chartNodeOptions();
  const limit = chartMemoryLimitBytes();
  const hub = await startHub(ctx.runner, {
    adminUrl: sim.adminUrl,
    wsUrl: sim.wsUrl,
    sidecarToken: TOKEN,
    env: { NODE_OPTIONS: nodeOptions },
  });
  procs.push(hub);
  const keda = new KedaEmulator({ address: hub.grpcAddress });
  try {
    const ref = refFor({
      name: "hg-valid",
      adminUrl: sim.adminUrl,
      topic: "hg-orders",
      subscription: "workers",
    });
    const metricName = await kedaRef(keda, ref);
    await delay(1000);
    const rssStart = rssBytes(hub.pid);
    ctx.log(`${NAME}: ${sessions} sessions with maximal hellos, NODE_OPTIONS=${nodeOptions}`);
    await scrape(hub.httpPort); // resets the hub's event-loop delay max
    const p = probe(keda, ref, metricName);
    const f = fleet(ctx.runner, hub, "maximal", sessions);
    const peak = await peakRss(hub, f.settled);
    const outcome = await f.settled;
    const metrics = await scrape(hub.httpPort);
    const held = sampleSum(metrics, "pps_gateway_held_bytes");
    const blockMax = sampleSum(metrics, "nodejs_eventloop_lag_max_seconds") * 1000;
    await f.drop();
    await p.stop();
    const alive = hub.isRunning();
    const lat = summarize(p.latencies);
    return [
      judged(
        NAME,
        `hub alive after ${sessions} maximal hellos`,
        alive ? 1 : 0,
        alive ? "yes" : "no (exited)",
        "yes",
        (v) => v === 1,
      ),
      judged(
        NAME,
        `hub RSS peak during ${sessions} maximal hellos`,
        peak,
        mb(peak),
        `<= ${mb(limit)} (chart limit)`,
        (v) => v <= limit,
        `start ${mb(rssStart)}; NODE_OPTIONS=${nodeOptions}`,
      ),
      kedaP99Row(NAME, "the maximal hellos", lat, p.failures()),
      info(
        NAME,
        "maximal hellos joined / closed (4007 expected beyond --gateway-max-bytes)",
        `${outcome.joined} / ${outcome.closed}`,
        outcome.joined,
        `close codes ${JSON.stringify(outcome.codes)}; held ${mb(held)} (pps_gateway_held_bytes)`,
      ),
      info(
        NAME,
        "hub's longest event-loop block during the maximal hellos",
        ms(blockMax),
        blockMax,
        "nodejs_eventloop_lag_max_seconds: what of the KEDA latency is the hub's own loop",
      ),
    ];
  } finally {
    keda.close();
    await hub.kill();
  }
}

async function massDisconnect(ctx: ScenarioContext, sim: SimProc, procs: Proc[]): Promise<Figure[]> {
  const sessions = ctx.quick ? 250 : 1000;
  const inUse = ctx.quick ? 125 : 500;
  // 1,000 sessions of 256 keys hold about 100 MB by the gateway's count: beyond the chart's
  // 128 MB old space and default --gateway-max-bytes, so this hub gets a raised bound and the
  // chart's flags with three times the old space (the semi-space cap keeps V8 collecting early).
  const hub = await startHub(ctx.runner, {
    adminUrl: sim.adminUrl,
    wsUrl: sim.wsUrl,
    sidecarToken: TOKEN,
    env: { NODE_OPTIONS: MASS_NODE_OPTIONS },
    extraArgs: ["--gateway-max-bytes", String(512 * MB), "--gateway-max-session-bytes", String(256 * 1024)],
  });
  procs.push(hub);
  const keda = new KedaEmulator({ address: hub.grpcAddress });
  const leases = async (holder: string) => sampleSum(await scrape(hub.httpPort), "pps_leases", { holder });
  try {
    const refs = Array.from({ length: inUse }, (_, k) =>
      refFor({ name: `gw-${k}`, adminUrl: sim.adminUrl, topic: `gw-${k}`, subscription: "workers" }),
    );
    for (let k = 0; k < inUse; k += 50)
      await Promise.all(
        refs.slice(k, k + 50).map((r) => ensureSubscription(sim.adminUrl, r.name, "workers")),
      );
    const names: string[] = [];
    for (let k = 0; k < inUse; k += 50)
      names.push(...(await Promise.all(refs.slice(k, k + 50).map((r) => kedaRef(keda, r)))));
    const rssIdle = await settledRss(hub); // the hub watches the keys itself, no session yet
    ctx.log(`${NAME}: ${sessions} sessions x 256 keys take over ${inUse} keys in use`);
    const f = fleet(ctx.runner, hub, "leases", sessions, inUse);
    const outcome = await f.settled;
    const tookOver = await until(async () => (await leases("sidecar")) === inUse, 120_000, 200);
    const rssBefore = await settledRss(hub);
    const heapBefore = await heapOf(hub); // this scrape also resets the hub's event-loop delay max
    const gcBefore = gcTimes(await scrape(hub.httpPort));
    const ref0 = refs[0] as ScaledObjectRef;
    const p = probe(keda, ref0, names[0] ?? "");
    ctx.log(`${NAME}: dropping ${outcome.joined} sessions at once`);
    const dropped = f.drop();
    const peak = await peakRss(
      hub,
      (async () => {
        await dropped;
        await until(async () => (await leases("hub")) === inUse, 120_000, 100);
      })(),
    );
    const metrics = await scrape(hub.httpPort);
    const blockMax = sampleSum(metrics, "nodejs_eventloop_lag_max_seconds") * 1000;
    const gcAfter = gcTimes(metrics);
    const hubHeld = sampleSum(metrics, "pps_leases", { holder: "hub" });
    await p.stop();
    const rssAfter = await settledRss(hub);
    const heapAfter = await heapOf(hub);
    const lat = summarize(p.latencies);
    const growth = rssAfter - rssBefore;
    return [
      judged(
        NAME,
        `longest event-loop block while ${outcome.joined} sessions x 256 keys drop at once`,
        blockMax,
        ms(blockMax),
        "< 50 ms",
        (v) => v < 50,
        `hub's monitorEventLoopDelay (nodejs_eventloop_lag_max_seconds) from the drop until the hub held all ${inUse} keys`,
      ),
      judged(
        NAME,
        "keys re-leased to the hub after the drop",
        hubHeld,
        `${hubHeld} of ${inUse}`,
        `${inUse} (none lost)`,
        (v) => v === inUse,
        tookOver ? "" : "the sidecars never held every key",
      ),
      judged(
        NAME,
        "hub RSS after the drop, settled, vs before it",
        growth,
        `${growth >= 0 ? "+" : ""}${mb(growth)}`,
        "<= +20 MB",
        (v) => v <= 20 * MB,
        `${mb(rssIdle)} hub watching the keys -> ${mb(rssBefore)} with the sessions -> peak ${mb(peak)} -> ${mb(rssAfter)}, the hub watching them again`,
      ),
      kedaP99Row(NAME, "the drop", lat, p.failures()),
      info(
        NAME,
        "hub GC during the drop (nodejs_gc_duration_seconds): major / minor",
        `${ms(gcAfter.major - gcBefore.major)} in ${gcAfter.majorCount - gcBefore.majorCount} / ${ms(gcAfter.minor - gcBefore.minor)} in ${gcAfter.minorCount - gcBefore.minorCount}`,
        gcAfter.major - gcBefore.major,
        "total pause time and count of each kind: a major GC of the freed sessions is one pause",
      ),
      info(NAME, "hub memory (/metrics) before the drop / after it, settled", `${heapBefore} / ${heapAfter}`),
    ];
  } finally {
    keda.close();
    await hub.kill();
  }
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const procs: Proc[] = [];
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    await ensureSubscription(sim.adminUrl, "hg-orders", "workers");
    const figures = [...(await maximalHellos(ctx, sim, procs)), ...(await massDisconnect(ctx, sim, procs))];
    return {
      figures,
      notes: [
        "the sidecar sessions are their own process (bench/lib/sidecar-fleet.ts); the valid KEDA caller, in the bench process, measures its latency",
        `mass disconnect: NODE_OPTIONS=${MASS_NODE_OPTIONS} and --gateway-max-bytes 512 MiB, since 1,000 x 256 keys are beyond the chart's defaults by design`,
      ],
    };
  } finally {
    await killAll(procs);
  }
}

export const hostileGateway: Scenario = {
  name: NAME,
  title: "Hostile sidecar sessions: maximal hellos are bounded, a mass disconnect does not freeze the hub",
  inDefault: false,
  hostile: true,
  run,
};
