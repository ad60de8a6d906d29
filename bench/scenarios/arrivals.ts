import { systemClock } from "../../src/lib/clock.js";
import { ArrivalStream } from "../../src/pulsar/arrival-stream.js";
import { noAuth } from "../../src/pulsar/auth/none.js";
import { BinaryArrivalSource } from "../../src/pulsar/binary/arrival-source.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { killAll, startSim, type SimProc } from "../../test/support/programs.js";
import { ensureSubscription, fullTopic, TENANT_NS } from "../../test/support/pulsar.js";
import { costWindow, type ProbeTransport } from "../lib/arrival-cost.js";
import { arrivalTrials } from "../lib/arrival-trials.js";
import { until } from "../lib/load.js";
import { info, judged, type Figure } from "../lib/report.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { ms, summarize } from "../lib/stats.js";

const NAME = "arrivals";
const RATES = [0, 1000, 5000] as const;
const TRANSPORTS: readonly { readonly kind: ProbeTransport; readonly label: string }[] = [
  { kind: "binary", label: "binary tripwire" },
  { kind: "websocket", label: "WebSocket tripwire" },
  { kind: "reader", label: "whole-topic reader (before)" },
];

async function activation(ctx: ScenarioContext, sim: SimProc, trials: number): Promise<Figure[]> {
  const cluster = {
    name: "bench",
    adminUrl: sim.adminUrl,
    wsUrl: sim.wsUrl,
    auth: { kind: "none" as const },
    arrivals: "websocket" as const,
    requestTimeoutMs: 5000,
  };
  const sources = [
    {
      label: "binary tripwire",
      source: new BinaryArrivalSource({ serviceUrl: sim.serviceUrl, auth: noAuth(), clock: systemClock }),
    },
    {
      label: "WebSocket tripwire",
      source: new ArrivalStream(cluster, { clock: systemClock, auth: noAuth() }),
    },
  ];
  const figures: Figure[] = [];
  for (const [i, { label, source }] of sources.entries()) {
    ctx.log(`${NAME}: ${trials} activation trials, ${label}`);
    const r = await arrivalTrials(source, sim.wsUrl, `arrivals-activation-${i}`, trials);
    await source.close();
    const s = summarize(r.latenciesMs);
    figures.push(
      judged(
        NAME,
        `activation p99, ${label}`,
        s.p99,
        ms(s.p99, 2),
        "< 10 ms",
        (v) => v < 10,
        `p50 ${ms(s.p50, 2)}, max ${ms(s.max, 2)}`,
      ),
      judged(NAME, `missed / ${trials}, ${label}`, r.missed, String(r.missed), "0", (v) => v === 0),
      judged(NAME, `extra arrivals, ${label}`, r.extraArrivals, String(r.extraArrivals), "0", (v) => v === 0),
    );
  }
  return figures;
}

async function cost(ctx: ScenarioContext, sim: SimProc, durationMs: number): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const t of TRANSPORTS) {
    let idle = NaN;
    for (const rate of RATES) {
      ctx.log(`${NAME}: ${t.label} on an active key at ${rate} msg/s for ${durationMs / 1000} s`);
      const r = await costWindow(
        ctx.runner,
        sim,
        t.kind,
        `arrivals-cost-${t.kind}-${rate}`,
        rate,
        durationMs,
      );
      if (rate === 0) idle = r.cpuPercent;
      const what = `${t.label} @ ${rate} msg/s`;
      const bytes = `${(r.payloadBytes / 1024).toFixed(0)} KiB payload${r.wireBytes !== undefined ? `, ${(r.wireBytes / 1024).toFixed(0)} KiB on the wire` : ""}`;
      if (t.kind === "reader")
        figures.push(info(NAME, `messages delivered, ${what}`, String(r.delivered), r.delivered, bytes));
      else
        figures.push(
          judged(
            NAME,
            `messages delivered, ${what}`,
            r.delivered,
            String(r.delivered),
            "<= 2 per edge",
            (v) => v <= 2,
            bytes,
          ),
        );
      const extra = r.cpuPercent - idle;
      const cpu = `${r.cpuPercent.toFixed(2)} % of a core`;
      if (t.kind !== "reader" && rate === 5000) {
        figures.push(
          judged(
            NAME,
            `CPU, ${what}`,
            extra,
            `${cpu} (+${extra.toFixed(2)} over idle)`,
            "<= idle + 1 %",
            (v) => v <= 1,
          ),
        );
      } else figures.push(info(NAME, `CPU, ${what}`, cpu, r.cpuPercent));
    }
  }
  return figures;
}

/** One broker, many keys: one TCP connection; a partitioned topic: one consumer per partition. */
async function connections(ctx: ScenarioContext, sim: SimProc): Promise<Figure[]> {
  const keys = 100;
  const source = new BinaryArrivalSource({ serviceUrl: sim.serviceUrl, auth: noAuth(), clock: systemClock });
  try {
    let armed = 0;
    ctx.log(`${NAME}: ${keys} keys on one broker, then a ${keys}-partition topic`);
    for (let k = 0; k < keys; k++) {
      await ensureSubscription(sim.adminUrl, `arrivals-key-${k}`, "workers");
      source.subscribe(
        parseTopicName(fullTopic(`arrivals-key-${k}`)),
        0,
        () => undefined,
        (s) => {
          if (s.kind === "connected") armed++;
        },
      );
    }
    await until(() => Promise.resolve(armed >= keys), 30_000, 20);
    const open = (await sim.control.binaryState()).connections;
    const res = await fetch(`${sim.adminUrl}/admin/v2/persistent/${TENANT_NS}/arrivals-parts/partitions`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: String(keys),
    });
    if (res.status !== 204) throw new Error(`creating the partitioned topic: HTTP ${res.status}`);
    let partsArmed = 0;
    source.subscribe(
      parseTopicName(fullTopic("arrivals-parts")),
      keys,
      () => undefined,
      (s) => {
        if (s.kind === "connected") partsArmed++;
      },
    );
    await until(() => Promise.resolve(partsArmed >= keys), 30_000, 20);
    const stats = (await (
      await fetch(
        `${sim.adminUrl}/admin/v2/persistent/${TENANT_NS}/arrivals-parts/partitioned-stats?perPartition=true`,
      )
    ).json()) as { partitions: Record<string, { subscriptions: Record<string, { consumers: unknown[] }> }> };
    let consumers = 0;
    for (const p of Object.values(stats.partitions))
      for (const s of Object.values(p.subscriptions)) consumers += s.consumers.length;
    const after = (await sim.control.binaryState()).connections;
    return [
      judged(NAME, `TCP connections, ${keys} keys on one broker`, open, String(open), "1", (v) => v === 1),
      judged(
        NAME,
        `consumers, a ${keys}-partition topic`,
        consumers,
        String(consumers),
        String(keys),
        (v) => v === keys,
      ),
      info(NAME, "TCP connections with both", String(after), after),
    ];
  } finally {
    await source.close();
  }
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const trials = ctx.quick ? 40 : 200;
  const durationMs = ctx.quick ? 3000 : 10_000;
  const procs: SimProc[] = [];
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    const figures = [
      ...(await activation(ctx, sim, trials)),
      ...(await cost(ctx, sim, durationMs)),
      ...(await connections(ctx, sim)),
    ];
    const notes = [
      `Activation: ${trials} trials per transport in the bench process against the simulator in its own process; a trial publishes one message over a WebSocket producer and times until the arrival, then re-arms (rearm(), then connected) before the next.`,
      `Cost: a probe process (bench/lib/arrival-probe.ts) holds one armed subscription; one message makes the key active, then the topic takes 0, 1,000 or 5,000 msg/s of 1 KiB for ${durationMs / 1000} s (/_sim/publish every 20 ms) and the probe never re-arms. Delivered = the topic's msgOutCounter (all the probe's: the durable subscription holding the backlog has no consumer; the edge included); CPU = the probe's utime+stime over the window. The whole-topic reader is the WebSocket reader from before the tripwire (receiverQueueSize 1000, every message acknowledged), rebuilt in the probe.`,
    ];
    return { figures, notes };
  } finally {
    await killAll(procs);
  }
}

export const arrivals: Scenario = {
  name: NAME,
  title: "Arrivals: binary vs WebSocket tripwire activation, watcher cost against throughput, connections",
  inDefault: true,
  run,
};
