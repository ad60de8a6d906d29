import { spawn } from "node:child_process";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { AttackResult } from "../../test/support/attacks/target.js";
import { chartMemoryLimitBytes, chartNodeOptions } from "../../test/support/chart-node-options.js";
import { killAll, startHub, startSim, type HubProc, type Proc } from "../../test/support/programs.js";
import { ensureSubscription, fullTopic, refFor } from "../../test/support/pulsar.js";
import { tsxRunner } from "../../test/support/runner.js";
import { openStreams } from "../../test/support/scrape.js";
import type { AttackArgs } from "../lib/attack.js";
import { peakRss, probe, settledRss } from "../lib/hostile-probe.js";
import { delay } from "../lib/load.js";
import { mb } from "../lib/proc-sample.js";
import { info, judged, type Figure } from "../lib/report.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { ms, summarize } from "../lib/stats.js";

// Each attack of test/support/attacks/ against one hub with the chart's NODE_OPTIONS and default
// bounds, one after the other, the attacker in its own process (bench/lib/attack.ts). Per attack:
// the p99 of a valid KEDA caller during it, the hub's RSS peak, and whether the hub stayed up.

const NAME = "hostile-attacks";
const SUB = "workers";
const LOCAL_TOPIC = "ha-orders";
const DEFAULT_MAX_STREAMS = 8000;

interface Row {
  readonly attack: string;
  readonly what: string;
  /** Size for the full run and for --quick. */
  readonly size: readonly number[];
  readonly quick: readonly number[];
}

// Capacity junk last: it leaves --max-scaled-objects full of healthy names for the idle TTL.
const ROWS: readonly Row[] = [
  { attack: "none", what: "no attack, the baseline", size: [10_000], quick: [3000] },
  { attack: "oversized-metadata", what: "3.9 MB topic values", size: [200], quick: [20] },
  { attack: "wide-metadata", what: "50,000-key metadata maps", size: [40], quick: [5] },
  { attack: "junk-values", what: "distinct 1 KiB invalid values", size: [20_000], quick: [2000] },
  {
    attack: "stream-flood",
    what: "StreamIsActive over --max-streams",
    size: [DEFAULT_MAX_STREAMS + 500, 500],
    quick: [DEFAULT_MAX_STREAMS + 100, 100],
  },
  {
    attack: "half-open-streams",
    what: "streams with HEADERS only, then cut",
    size: [3, 3000],
    quick: [1, 1000],
  },
  { attack: "rapid-reset", what: "HEADERS + RST_STREAM", size: [50_000], quick: [5000] },
  { attack: "h2-garbage", what: "non-HTTP/2 connections (5 kinds)", size: [50], quick: [10] },
  {
    attack: "slow-peers",
    what: "never-reading / no-hello / half-upgrade peers",
    size: [500, 10_000],
    quick: [100, 3000],
  },
  { attack: "scrape-loop", what: "/metrics scrapes, 12 at a time", size: [2000, 12], quick: [300, 12] },
  { attack: "capacity-junk", what: "distinct ScaledObject names", size: [6000], quick: [5100] },
];

/** The attacker's process: `started` resolves at its start line, `result` with its AttackResult. */
function attackProcess(
  args: AttackArgs,
  name: string,
): { started: Promise<void>; result: Promise<AttackResult> } {
  const child = spawn(
    process.execPath,
    tsxRunner().argv("bench/lib/attack.ts", [name, JSON.stringify(args)]),
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes('{"started"')) markStarted();
  });
  const result = new Promise<AttackResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      markStarted();
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`attack ${name} exited ${code}: ${last}`));
      resolve(JSON.parse(last) as AttackResult);
    });
  });
  return { started, result };
}

function outcomes(r: AttackResult): string {
  return Object.entries(r.outcomes)
    .map(([k, v]) => `${k} ${v.toLocaleString("en")}`)
    .join(", ");
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const nodeOptions = chartNodeOptions();
  const limit = chartMemoryLimitBytes();
  const procs: Proc[] = [];
  let keda: KedaEmulator | undefined;
  const figures: Figure[] = [];
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    await ensureSubscription(sim.adminUrl, LOCAL_TOPIC, SUB);
    await sim.control.publish({ topic: `public/default/${LOCAL_TOPIC}`, count: 3 });
    const token = "hostile-bench-token";
    const hub: HubProc = await startHub(ctx.runner, {
      adminUrl: sim.adminUrl,
      wsUrl: sim.wsUrl,
      sidecarToken: token,
      env: { NODE_OPTIONS: nodeOptions },
    });
    procs.push(hub);
    keda = new KedaEmulator({ address: hub.grpcAddress });
    const ref = refFor({ name: "ha-valid", adminUrl: sim.adminUrl, topic: LOCAL_TOPIC, subscription: SUB });
    const metricName = (await keda.getMetricSpec(ref)).metricSpecs[0]?.metricName ?? "";
    await keda.getMetrics(ref, metricName);
    await delay(1000);
    const args = (size: readonly number[]): AttackArgs => ({
      target: {
        grpcAddress: hub.grpcAddress,
        httpPort: hub.httpPort,
        sidecarToken: token,
        adminUrl: sim.adminUrl,
      },
      ref,
      key: { cluster: "default", topic: fullTopic(LOCAL_TOPIC), subscription: SUB },
      size,
    });
    const rssStart = await settledRss(hub);
    for (const row of ROWS) {
      if (!hub.isRunning()) break;
      const size = ctx.quick ? row.quick : row.size;
      ctx.log(`${NAME}: ${row.attack} ${JSON.stringify(size)}`);
      const attacker = attackProcess(args(size), row.attack);
      await attacker.started;
      const p = probe(keda, ref, metricName);
      const work = attacker.result;
      const peak = await peakRss(hub, work);
      const result = await work.catch((err: unknown): AttackResult => {
        ctx.log(`${NAME}: ${row.attack} failed: ${err instanceof Error ? err.message : String(err)}`);
        return { sent: 0, outcomes: { "attacker failed": 1 } };
      });
      await p.stop();
      ctx.log(`${NAME}: ${row.attack}: the attacker was answered ${outcomes(result)}`);
      const lat = summarize(p.latencies);
      const alive = hub.isRunning();
      const ok = alive && p.failures() === 0 && lat.p99 < 50 && peak < limit;
      figures.push(
        judged(
          NAME,
          `${row.attack}: ${row.what} (${size[0]?.toLocaleString("en")}): KEDA p99 / hub RSS peak`,
          ok ? 1 : 0,
          `${ms(lat.p99)} / ${mb(peak)}${alive ? "" : " (hub exited)"}`,
          `< 50 ms, 0 failed / < ${mb(limit)}, alive`,
          (v) => v === 1,
          `${lat.n} valid calls, ${p.failures()} failed, max ${ms(lat.max)}; attacker: ${outcomes(result)}`,
        ),
      );
      if (row.attack === "half-open-streams") {
        figures.push(
          info(
            NAME,
            "half-open streams held vs counted against --max-streams (open KEDA streams)",
            `${(result.outcomes["held"] ?? 0).toLocaleString("en")} held / counted: no (grpc-js calls no handler before the request message)`,
            result.outcomes["held"],
            `RSS peak ${mb(peak)}, ${mb(peak - rssStart)} over the start; open KEDA streams after: ${await openStreams(hub.httpPort)}`,
          ),
        );
      }
    }
    const alive = hub.isRunning();
    const rssEnd = alive ? await settledRss(hub) : NaN;
    figures.push(
      judged(
        NAME,
        "hub alive after every attack",
        alive ? 1 : 0,
        alive ? "yes" : "no (exited)",
        "yes",
        (v) => v === 1,
      ),
      info(
        NAME,
        "hub RSS start / end (settled)",
        `${mb(rssStart)} / ${mb(rssEnd)}`,
        rssEnd - rssStart,
        `NODE_OPTIONS=${nodeOptions}`,
      ),
    );
    return {
      figures,
      notes: [
        "each attacker is its own process (bench/lib/attack.ts, under tsx); the valid caller, in the bench process, measures its GetMetrics latency every 20 ms",
        "hub with the chart's NODE_OPTIONS and default bounds; RSS judged against the chart's resources.limits.memory",
      ],
    };
  } finally {
    keda?.close();
    await killAll(procs);
  }
}

export const hostileAttacks: Scenario = {
  name: NAME,
  title: "Hostile attacks: every attack of the hostile suite at bench size, KEDA p99 and hub RSS during each",
  inDefault: false,
  hostile: true,
  run,
};
