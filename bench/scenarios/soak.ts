import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { delay, until } from "../lib/load.js";
import { killAll, type Proc } from "../../test/support/programs.js";
import { mb, rssSlopeMbPerMin, sampleUsage } from "../lib/proc-sample.js";
import { startHub, startSidecar, startSim } from "../../test/support/programs.js";
import { ensureSubscription, fullTopic } from "../../test/support/pulsar.js";
import { info, judged } from "../lib/report.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { SoakKey } from "../lib/soak-keys.js";

const NAME = "soak";
const TOKEN = "bench-sidecar-token";
const KEYS = 4;
const TIMINGS = [
  "--fast-poll-ms",
  "200",
  "--slow-poll-ms",
  "2000",
  "--no-arrivals-poll-ms",
  "1000",
  "--error-backoff-max-ms",
  "4000",
];
const STALENESS_MS = 6000;
const FAULTS = [
  { status: 500 },
  { status: 429, retryAfterSeconds: 1 },
  { kind: "hang" as const },
  { kind: "html401" as const },
  { kind: "garbage" as const },
];

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const seconds = ctx.soakSeconds;
  const procs: Proc[] = [];
  const keys: SoakKey[] = [];
  let keda: KedaEmulator | undefined;
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    const topics = Array.from({ length: KEYS }, (_, k) => `soak-${k}`);
    for (const t of topics) await ensureSubscription(sim.adminUrl, t, "workers");
    const hubArgs = [
      ...TIMINGS,
      "--staleness-ms",
      String(STALENESS_MS),
      "--pulsar-request-timeout-ms",
      "1000",
    ];
    const hub = await startHub(ctx.runner, {
      adminUrl: sim.adminUrl,
      wsUrl: sim.wsUrl,
      sidecarToken: TOKEN,
      extraArgs: hubArgs,
    });
    procs.push(hub);
    const sidecar = (pod: string) =>
      startSidecar(ctx.runner, {
        hubUrl: hub.sidecarUrl,
        hubToken: TOKEN,
        pod,
        adminUrl: sim.adminUrl,
        wsUrl: sim.wsUrl,
        watch: topics.map((t) => `${fullTopic(t)}:workers`),
        extraArgs: [...TIMINGS, "--pulsar-request-timeout-ms", "1000"],
      });
    const pods = [await sidecar("soak-a"), await sidecar("soak-b")];
    procs.push(...pods);
    const client = new KedaEmulator({
      address: hub.grpcAddress,
      reopenDelayMs: 2000,
      errorBackoffMs: 500,
      maxBackoffMs: 4000,
    });
    keda = client;
    for (const t of topics) keys.push(new SoakKey(t, sim.control, client, sim.adminUrl, 3));
    for (const k of keys) {
      const name = (await client.getMetricSpec(k.refs[0]!)).metricSpecs[0]?.metricName ?? "";
      await until(
        async () => (await client.getMetrics(k.refs[0]!, name).catch(() => undefined)) !== undefined,
        10_000,
        100,
      );
      k.startProbe(name, STALENESS_MS + 2000);
    }
    const usage = sampleUsage(hub.pid, 2000);
    const start = Date.now();
    const end = start + seconds * 1000;
    let kills = 0;
    let faults = 0;
    let drops = 0;
    let bursts = 0;
    let nextKill = start + 60_000;
    let nextFault = start + 20_000;
    let nextDrop = start + 90_000;
    ctx.log(
      `soak: ${seconds} s, ${KEYS} keys x 3 streams, 2 sidecars, faults every 45 s, a sidecar killed every 60 s`,
    );
    for (let tick = 0; Date.now() < end; tick++) {
      const now = Date.now();
      const k = keys[tick % KEYS]!;
      if (await k.burst(1 + Math.floor(Math.random() * 20), 20_000)) {
        bursts++;
        setTimeout(() => void k.drain().catch(() => {}), 500 + Math.random() * 3000);
      }
      if (now >= nextKill) {
        const victim = kills % 2;
        const old = pods[victim]!;
        await old.kill("SIGKILL");
        await delay(1000);
        pods[victim] = await sidecar(`soak-${victim === 0 ? "a" : "b"}`);
        procs.push(pods[victim]);
        kills++;
        nextKill += 60_000;
      }
      if (now >= nextFault) {
        const spec = FAULTS[faults % FAULTS.length]!;
        await sim.control.faults({ pathPattern: `/${topics[faults % KEYS]}/stats`, count: 5, ...spec });
        faults++;
        nextFault += 45_000;
      }
      if (now >= nextDrop) {
        await sim.control.websocket("drop");
        drops++;
        nextDrop += 120_000;
      }
      for (const key of keys) key.settle(Date.now());
      await delay(1500);
    }
    await until(() => keys.every((key) => (key.settle(Date.now()), key.pending === 0)), 25_000, 250);
    const samples = usage.stop();
    // Skip the first quarter (warm-up: JIT, caches, first leases).
    const slope = rssSlopeMbPerMin(samples.slice(Math.floor(samples.length / 4)));
    const missed = keys.reduce((a, key) => a + key.missed, 0);
    const edges = keys.reduce((a, key) => a + key.edges, 0);
    const violations = keys.flatMap((key) => key.probe?.violations ?? []);
    const reads = keys.reduce((a, key) => a + (key.probe?.values.length ?? 0), 0);
    const unavailable = keys.reduce(
      (a, key) => a + [...(key.probe?.codes.values() ?? [])].reduce((x, y) => x + y, 0),
      0,
    );
    return {
      figures: [
        judged(NAME, "missed activations", missed, `${missed} of ${edges}`, "0", (v) => v === 0),
        judged(
          NAME,
          "GetMetrics answers without a fresh observation behind them",
          violations.length,
          `${violations.length} of ${reads}`,
          "0",
          (v) => v === 0,
          violations[0],
        ),
        info(
          NAME,
          "GetMetrics errors (UNAVAILABLE during faults: expected)",
          String(unavailable),
          unavailable,
        ),
        judged(
          NAME,
          "hub RSS slope after the first quarter",
          slope,
          `${slope.toFixed(2)} MB/min`,
          "< 1 MB/min (flat)",
          (v) => v < 1,
        ),
        info(
          NAME,
          "hub RSS first / last",
          `${mb(samples[0]?.rssBytes ?? NaN)} / ${mb(samples[samples.length - 1]?.rssBytes ?? NaN)}`,
        ),
        info(
          NAME,
          "events",
          `${bursts} bursts, ${kills} sidecar kills, ${faults} fault runs, ${drops} WebSocket drops`,
        ),
      ],
      notes: [
        `${seconds} s; ${KEYS} keys, 3 StreamIsActive streams each, a GetMetrics probe every 200 ms per key checked against the simulator's backlog history (window = staleness ${STALENESS_MS} ms + 2 s); bursts of 1-20 messages on inactive keys, drained 0.5-3.5 s later; 2 sidecars watching every key, one killed -9 and restarted every 60 s; 5 failing stats requests (500, 429, hang, HTML 401, garbage in turn) every 45 s; WebSocket sessions dropped every 120 s; timings ${TIMINGS.join(" ")}.`,
      ],
    };
  } finally {
    for (const k of keys) await k.stop();
    keda?.close();
    await killAll(procs);
  }
}

export const soak: Scenario = {
  name: NAME,
  title: "Soak: bursts, sidecar kills, Pulsar faults; no missed activation, nothing invented, flat memory",
  inDefault: false,
  run,
};
