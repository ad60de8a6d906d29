import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { closedLoop, delay, until, type ClosedLoopResult } from "../lib/load.js";
import { killAll, startHub, startSim, type Proc } from "../../test/support/programs.js";
import { ensureSubscription, refFor } from "../../test/support/pulsar.js";
import { info, judged } from "../lib/report.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { sampleSum, scrape } from "../../test/support/scrape.js";
import { lagMaxSinceLastScrape, loopScrapers } from "../lib/scrapers.js";
import { ms, nowMs, summarize } from "../lib/stats.js";

const NAME = "scrape-cost";
const KEYS = 1000;
const SCALED_OBJECTS = 5000;
const SCRAPERS = 12;
/** KEDA's calls in flight at once (one connection), GetMetrics and IsActive alternating. */
const KEDA_CONCURRENCY = 8;

/** GetMetrics and IsActive alternately over every ScaledObject, for `durationMs`. */
function kedaLoad(
  keda: KedaEmulator,
  refs: readonly ScaledObjectRef[],
  names: readonly string[],
  durationMs: number,
): Promise<ClosedLoopResult> {
  return closedLoop({
    concurrency: KEDA_CONCURRENCY,
    durationMs,
    op: async (i) => {
      const j = Math.floor(i / 2) % refs.length;
      const ref = refs[j] as ScaledObjectRef;
      if (i % 2 === 0) await keda.getMetrics(ref, names[j] ?? "");
      else await keda.isActive(ref);
    },
  });
}

/** `fn` over `items` with at most `width` in flight. */
async function inBatches<T, R>(items: readonly T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const windowMs = ctx.quick ? 4000 : 10_000;
  const procs: Proc[] = [];
  const clients: KedaEmulator[] = [];
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    const topics = Array.from({ length: KEYS }, (_, k) => `scrape-${k}`);
    ctx.log(`${NAME}: ${KEYS} subscriptions, ${SCALED_OBJECTS} ScaledObjects`);
    await inBatches(topics, 50, (t) => ensureSubscription(sim.adminUrl, t, "workers"));
    const hub = await startHub(ctx.runner, {
      adminUrl: sim.adminUrl,
      extraArgs: ["--max-keys", String(KEYS + 100), "--max-scaled-objects", String(SCALED_OBJECTS + 100)],
    });
    procs.push(hub);
    const keda = new KedaEmulator({ address: hub.grpcAddress });
    clients.push(keda);
    const refs = Array.from({ length: SCALED_OBJECTS }, (_, i) =>
      refFor({
        name: `scrape-so-${i}`,
        adminUrl: sim.adminUrl,
        topic: topics[i % KEYS] ?? "",
        subscription: "workers",
      }),
    );
    const names = await inBatches(
      refs,
      100,
      async (ref) => (await keda.getMetricSpec(ref)).metricSpecs[0]?.metricName ?? "",
    );
    // A ScaledObject's key comes into use at its first read (GetMetricSpec alone does not).
    await inBatches(refs, 100, (ref) => keda.isActive(ref).catch(() => false));
    const inUse = await until(
      async () => sampleSum(await scrape(hub.httpPort), "pps_keys_watched") >= KEYS,
      30_000,
      200,
    );
    if (!inUse) {
      const n = sampleSum(await scrape(hub.httpPort), "pps_keys_watched");
      throw new Error(`the hub watches ${n} keys, not ${KEYS}`);
    }
    // Every key observed once: a GetMetrics per key answers.
    const observed = await until(
      async () => {
        const r = await Promise.allSettled(
          refs.slice(0, KEYS).map((ref, i) => keda.getMetrics(ref, names[i] ?? "")),
        );
        return r.every((x) => x.status === "fulfilled");
      },
      60_000,
      500,
    );
    if (!observed) throw new Error("not every key was observed within 60 s");
    await kedaLoad(keda, refs, names, 1000); // warm-up

    // One scraper alone: the hub's CPU per scrape (robust to other load on the machine, which
    // stretches wall-clock figures), net of its background CPU (polling 1,000 keys) measured in
    // an idle window of the same kind.
    const cpuAt = async () => {
      const text = await scrape(hub.httpPort);
      return { cpuMs: sampleSum(text, "process_cpu_seconds_total") * 1000, at: nowMs(), bytes: text.length };
    };
    const idle0 = await cpuAt();
    await delay(3000);
    const idle1 = await cpuAt();
    const backgroundPerMs = (idle1.cpuMs - idle0.cpuMs) / (idle1.at - idle0.at);
    const single: number[] = [];
    const scrapes = ctx.quick ? 50 : 200;
    const s0 = await cpuAt();
    for (let i = 0; i < scrapes; i++) {
      const t0 = nowMs();
      await scrape(hub.httpPort);
      single.push(nowMs() - t0);
    }
    const s1 = await cpuAt();
    const cpuPerScrape = (s1.cpuMs - s0.cpuMs - backgroundPerMs * (s1.at - s0.at)) / (scrapes + 1);
    const bytes = s1.bytes;
    // KEDA alone, then KEDA while SCRAPERS scrapers loop.
    await lagMaxSinceLastScrape(hub.httpPort);
    const quiet = await kedaLoad(keda, refs, names, windowMs);
    const quietLag = await lagMaxSinceLastScrape(hub.httpPort);
    await delay(200);
    await lagMaxSinceLastScrape(hub.httpPort);
    ctx.log(`${NAME}: ${SCRAPERS} scrapers loop for ${windowMs} ms during KEDA's calls`);
    const load = kedaLoad(keda, refs, names, windowMs);
    const scraped = await loopScrapers(hub.httpPort, SCRAPERS, load);
    const busy = await load;

    const one = summarize(single);
    const loopLag = summarize(scraped.lagMaxMs);
    const loopDur = summarize(scraped.durationsMs);
    const q = summarize(quiet.latenciesMs);
    const b = summarize(busy.latenciesMs);
    const errors = busy.errors + quiet.errors + scraped.errors;
    return {
      figures: [
        judged(
          NAME,
          "hub CPU per scrape (bounds its event-loop block)",
          cpuPerScrape,
          ms(cpuPerScrape),
          "<= 10 ms",
          (v) => v <= 10,
        ),
        info(
          NAME,
          `longest event-loop block while ${SCRAPERS} scrapers loop`,
          ms(loopLag.max, 1),
          loopLag.max,
        ),
        info(NAME, "same, p99 of the per-scrape readings", ms(loopLag.p99, 1), loopLag.p99),
        info(NAME, "one scrape alone, p50 / max (client side)", `${ms(one.p50)} / ${ms(one.max)}`, one.p50),
        info(NAME, "/metrics body", `${Math.round(bytes / 1024)} KiB`, bytes),
        info(
          NAME,
          `scrapes done by ${SCRAPERS} looping scrapers`,
          `${loopDur.n} (p50 ${ms(loopDur.p50, 1)})`,
          loopDur.n,
        ),
        info(NAME, "longest event-loop block, KEDA calls alone", ms(quietLag, 1), quietLag),
        info(NAME, "KEDA call p99, no scrapers", ms(q.p99), q.p99),
        info(NAME, `KEDA call p99 while ${SCRAPERS} scrapers loop`, ms(b.p99), b.p99),
        judged(
          NAME,
          "KEDA call errors (DEADLINE_EXCEEDED, ...)",
          errors,
          String(errors),
          "0",
          (v) => v === 0,
          busy.firstError ?? quiet.firstError,
        ),
      ],
      notes: [
        `A hub watching ${KEYS} subscriptions for ${SCALED_OBJECTS} ScaledObjects (5 per key, polling only). ${SCRAPERS} scrapers GET /metrics back to back for ${windowMs / 1000} s while KEDA calls GetMetrics and IsActive alternately (${KEDA_CONCURRENCY} in flight, one connection). The hub renders /metrics one metric family per event-loop turn, so a scrape blocks the loop for at most its largest family; the judged figure is the hub's whole CPU per scrape (process_cpu_seconds_total over ${scrapes} sequential scrapes, minus the background rate of an idle 3 s window), which bounds that block. The event-loop figures are the hub's own nodejs_eventloop_lag_max_seconds (perf_hooks.monitorEventLoopDelay, 10 ms resolution, reset at each scrape), the largest reading over the window: they include CPU taken by other processes on the machine (see the load average).`,
      ],
    };
  } finally {
    for (const c of clients) c.close();
    await killAll(procs);
  }
}

export const scrapeCost: Scenario = {
  name: NAME,
  title: "/metrics scrape cost: 1,000 keys, 5,000 ScaledObjects, 12 looping scrapers",
  inDefault: true,
  run,
};
