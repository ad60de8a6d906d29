import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { KedaEmulator, type StreamWatch } from "../../src/keda/keda-emulator.js";
import { until } from "../lib/load.js";
import { killAll, type Proc } from "../../test/support/programs.js";
import { startHub, startSim } from "../../test/support/programs.js";
import { ensureSubscription, Producer, refFor } from "../../test/support/pulsar.js";
import { info, judged } from "../lib/report.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { openStreams } from "../../test/support/scrape.js";
import { ms, nowMs, summarize } from "../lib/stats.js";

const NAME = "fan-out";
const KEYS = 5;
const STREAMS = 5000;

interface Stream {
  readonly key: number;
  firstPushAt: number | undefined;
  pushes: number;
  watch?: StreamWatch;
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const procs: Proc[] = [];
  const cleanups: Array<() => void> = [];
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    for (let k = 0; k < KEYS; k++) await ensureSubscription(sim.adminUrl, `fan-${k}`, "workers");
    const hub = await startHub(ctx.runner, {
      adminUrl: sim.adminUrl,
      wsUrl: sim.wsUrl,
      extraArgs: ["--max-scaled-objects", String(STREAMS + 100)],
    });
    procs.push(hub);
    const keda = new KedaEmulator({ address: hub.grpcAddress, reopenDelayMs: 600_000 });
    cleanups.push(() => keda.close());
    const refs: ScaledObjectRef[] = [];
    const streams: Stream[] = [];
    for (let i = 0; i < STREAMS; i++) {
      const key = i % KEYS;
      const ref = refFor({
        name: `fan-so-${i}`,
        adminUrl: sim.adminUrl,
        topic: `fan-${key}`,
        subscription: "workers",
      });
      refs.push(ref);
      const s: Stream = { key, firstPushAt: undefined, pushes: 0 };
      s.watch = keda.watch(ref, {
        onPush: (r) => {
          if (!r.result) return;
          s.pushes++;
          s.firstPushAt ??= nowMs();
        },
      });
      streams.push(s);
    }
    ctx.log(`fan-out: opening ${STREAMS} streams on one connection`);
    const allOpen = await until(async () => (await openStreams(hub.httpPort)) >= STREAMS, 60_000, 250);
    if (!allOpen)
      throw new Error(`hub reports ${await openStreams(hub.httpPort)} open streams, want ${STREAMS}`);
    // Every key observed and inactive before its round.
    for (let k = 0; k < KEYS; k++) {
      const ok = await until(
        async () => !(await keda.isActive(refs[k] as ScaledObjectRef).catch(() => true)),
        15_000,
        50,
      );
      if (!ok) throw new Error(`key fan-${k} not observed inactive`);
    }
    const rounds = ctx.quick ? 2 : KEYS;
    const allTimes: number[] = [];
    const firstTimes: number[] = [];
    let strays = 0;
    for (let k = 0; k < rounds; k++) {
      const producer = await Producer.open(sim.wsUrl, `fan-${k}`);
      cleanups.push(() => producer.close());
      const mine = streams.filter((s) => s.key === k);
      const t0 = nowMs();
      await producer.send();
      const done = await until(() => mine.every((s) => s.firstPushAt !== undefined), 10_000, 2);
      if (!done)
        throw new Error(
          `round ${k}: ${mine.filter((s) => s.firstPushAt === undefined).length} streams got no push`,
        );
      const times = mine.map((s) => (s.firstPushAt ?? NaN) - t0);
      allTimes.push(Math.max(...times));
      firstTimes.push(Math.min(...times));
      strays += streams.filter((s) => s.key > k && s.pushes > 0).length;
    }
    const all = summarize(allTimes);
    const first = summarize(firstTimes);
    const repeats = streams.filter((s) => s.pushes > 1).length;
    return {
      figures: [
        judged(
          NAME,
          "publish -> true on all 1,000 streams of the key (worst round)",
          all.max,
          ms(all.max, 1),
          "< 100 ms",
          (v) => v < 100,
        ),
        info(NAME, "same, median round", ms(all.p50, 1), all.p50),
        info(NAME, "publish -> first stream's true (median round)", ms(first.p50, 1), first.p50),
        judged(
          NAME,
          "pushes on streams of keys not published to",
          strays,
          String(strays),
          "0",
          (v) => v === 0,
        ),
        judged(NAME, "streams that got `true` twice", repeats, String(repeats), "0", (v) => v === 0),
      ],
      notes: [
        `${STREAMS} StreamIsActive streams on one HTTP/2 connection, ${KEYS} keys x ${STREAMS / KEYS} streams (hub-fallback watcher); ${rounds} rounds, each publishes one message over the WebSocket producer to a key not yet active and waits for every stream of that key.`,
      ],
    };
  } finally {
    for (const c of cleanups.reverse()) c();
    await killAll(procs);
  }
}

export const fanOut: Scenario = {
  name: NAME,
  title: "Stream fan-out: 5,000 StreamIsActive streams, one key turns active",
  inDefault: true,
  run,
};
