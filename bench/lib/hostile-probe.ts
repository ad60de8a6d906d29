import type { ScaledObjectRef } from "../../src/keda/messages.js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { rssBytes } from "../../test/support/proc-status.js";
import type { HubProc } from "../../test/support/programs.js";
import { sampleSum, scrape } from "../../test/support/scrape.js";
import { delay } from "./load.js";
import { mb } from "./proc-sample.js";
import { judged, type Figure } from "./report.js";
import { ms, nowMs, type Summary } from "./stats.js";

/**
 * What the hostile scenarios measure on the hub while an attacker (its own process) runs: the
 * latency of a valid KEDA caller, and the hub's RSS.
 */

const MB = 1024 * 1024;

/** Calls GetMetrics for `ref` back to back (20 ms apart) until `stop`; latencies and failures. */
export function probe(keda: KedaEmulator, ref: ScaledObjectRef, metricName: string) {
  const latencies: number[] = [];
  let failures = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const t0 = nowMs();
      try {
        await keda.getMetrics(ref, metricName);
        latencies.push(nowMs() - t0);
      } catch {
        failures++;
      }
      await delay(20);
    }
  })();
  return {
    latencies,
    failures: () => failures,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** The hub's RSS, sampled every 200 ms while `work` runs: the peak. */
export async function peakRss(hub: HubProc, work: Promise<unknown>): Promise<number> {
  let peak = rssBytes(hub.pid);
  let running = true;
  void work.finally(() => (running = false));
  while (running && hub.isRunning()) {
    peak = Math.max(peak, rssBytes(hub.pid));
    await delay(200);
  }
  return peak;
}

/**
 * The hub's RSS once it stops falling (sampled each second, at most 15 s): V8 gives heap pages
 * back a few seconds after a burst of garbage, so an RSS read at once counts garbage as growth.
 */
export async function settledRss(hub: HubProc): Promise<number> {
  let last = rssBytes(hub.pid);
  for (let i = 0; i < 15 && hub.isRunning(); i++) {
    await delay(1000);
    const now = rssBytes(hub.pid);
    if (now >= last - MB / 2) return Math.min(now, last);
    last = now;
  }
  return last;
}

/** The hub's V8 heap and external memory as its /metrics says (what it keeps, not what malloc holds). */
export async function heapOf(hub: HubProc): Promise<string> {
  const text = await scrape(hub.httpPort);
  const used = sampleSum(text, "nodejs_heap_size_used_bytes");
  const total = sampleSum(text, "nodejs_heap_size_total_bytes");
  const external = sampleSum(text, "nodejs_external_memory_bytes");
  return `heap ${mb(used)} used of ${mb(total)}, external ${mb(external)}`;
}

/** The row every hostile scenario judges: the valid KEDA caller's p99 while `during` ran. */
export function kedaP99Row(scenario: string, during: string, lat: Summary, failures: number): Figure {
  return judged(
    scenario,
    `valid KEDA GetMetrics p99 during ${during}`,
    lat.p99,
    ms(lat.p99),
    "< 50 ms",
    (v) => v < 50,
    `${lat.n} calls, ${failures} failed, p50 ${ms(lat.p50)}, max ${ms(lat.max)}`,
  );
}
