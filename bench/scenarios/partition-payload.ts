import { parseTopicStats } from "../../src/pulsar/stats-parser.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/pulsar/http-request.js";
import { killAll, startSim, type Proc } from "../../test/support/programs.js";
import { TENANT_NS } from "../../test/support/pulsar.js";
import { info, judged, type Figure } from "../lib/report.js";
import type { Scenario, ScenarioContext, ScenarioOutput } from "../lib/scenario.js";
import { ms, nowMs, summarize } from "../lib/stats.js";

// What reading `partitioned-stats` with perPartition=true costs at 100 partitions, against
// perPartition=false: the per-partition map is how a partial answer (partitions the broker left out
// of its totals) is noticed (src/pulsar/stats-parser.ts), and it is paid on every stats poll.

const NAME = "partition-payload";
const PARTITIONS = 100;
/** Stats polls per minute of one key under traffic at the target (at most 8). */
const POLLS_PER_MINUTE = 8;
const TOPIC = "payload-100";

async function admin(url: string, method: string, body?: string): Promise<void> {
  const res = await fetch(url, { method, ...(body !== undefined && { body }) });
  await res.text();
  if (!res.ok && res.status !== 409) throw new Error(`${method} ${url}: HTTP ${res.status}`);
}

/** `n` GETs of `url`: body size and per-request times (fetch + parse) in ms. */
async function sample(url: string, n: number, perPartition: boolean) {
  const topic = parseTopicName(`persistent://${TENANT_NS}/${TOPIC}`);
  const fetchMs: number[] = [];
  const parseMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t0 = nowMs();
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    const t1 = nowMs();
    parseTopicStats(body, topic, url, PARTITIONS, perPartition);
    parseMs.push(nowMs() - t1);
    fetchMs.push(t1 - t0);
    bytes = body.length;
  }
  return { bytes, fetch: summarize(fetchMs), parse: summarize(parseMs) };
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const n = ctx.quick ? 20 : 100;
  const procs: Proc[] = [];
  try {
    const sim = await startSim(ctx.runner);
    procs.push(sim);
    const base = `${sim.adminUrl}/admin/v2/persistent/${TENANT_NS}/${TOPIC}`;
    ctx.log(`${NAME}: a topic of ${PARTITIONS} partitions with 3 subscriptions and a backlog`);
    await admin(`${base}/partitions`, "PUT", String(PARTITIONS));
    for (const sub of ["workers", "audit", "replay"]) await admin(`${base}/subscription/${sub}`, "PUT");
    await sim.control.publish({ topic: `persistent://${TENANT_NS}/${TOPIC}`, count: 1000 });
    const totals = await sample(`${base}/partitioned-stats?perPartition=false`, n, false);
    const full = await sample(`${base}/partitioned-stats?perPartition=true`, n, true);
    const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
    const ratio = full.bytes / totals.bytes;
    const perMinute = full.bytes * POLLS_PER_MINUTE;
    const figures: Figure[] = [
      info(NAME, "body, perPartition=false (totals only)", kib(totals.bytes), totals.bytes),
      info(NAME, "body, perPartition=true (totals + each partition)", kib(full.bytes), full.bytes),
      info(NAME, "perPartition=true / false, bytes", `x${ratio.toFixed(1)}`, ratio),
      judged(
        NAME,
        `body at ${PARTITIONS} partitions, perPartition=true`,
        full.bytes,
        kib(full.bytes),
        `under 1/8 of the ${DEFAULT_MAX_BODY_BYTES / 1024 / 1024} MiB body cap`,
        (v) => v < DEFAULT_MAX_BODY_BYTES / 8,
      ),
      info(
        NAME,
        `bytes per key per minute at ${POLLS_PER_MINUTE} polls/min, perPartition=true`,
        kib(perMinute),
        perMinute,
      ),
      info(NAME, "fetch p50, perPartition=false / true", `${ms(totals.fetch.p50)} / ${ms(full.fetch.p50)}`),
      judged(
        NAME,
        "parse p95, perPartition=true (the hub's CPU per poll)",
        full.parse.p95,
        ms(full.parse.p95),
        "under 10 ms",
        (v) => v < 10,
      ),
      info(NAME, "parse p95, perPartition=false", ms(totals.parse.p95), totals.parse.p95),
    ];
    return {
      figures,
      notes: [
        `one simulator; a topic of ${PARTITIONS} partitions, 3 subscriptions, 1000 messages; ${n} GETs of each form, one at a time; parse = parseTopicStats (perPartition=true also counts the partitions listed against metadata.partitions).`,
      ],
    };
  } finally {
    await killAll(procs);
  }
}

export const partitionPayload: Scenario = {
  name: NAME,
  title: `partitioned-stats payload at ${PARTITIONS} partitions: perPartition=true (partial answers detected) vs false`,
  inDefault: true,
  run,
};
