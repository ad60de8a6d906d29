import { Worker } from "node:worker_threads";
import { sampleSum, scrape } from "../../test/support/scrape.js";

/** What looping scrapers saw: each scrape's duration and the hub's event-loop lag readings. */
export interface ScrapeLoopResult {
  readonly durationsMs: number[];
  /**
   * `nodejs_eventloop_lag_max_seconds` of each response, in ms: the hub's longest event-loop delay
   * since the previous scrape (prom-client resets its histogram at each collection), so the largest
   * reading is the longest block in the window, scrapes included.
   */
  readonly lagMaxMs: number[];
  readonly bytes: number;
  readonly errors: number;
}

/**
 * The scrapers' loop, plain JS run in a worker thread: receiving 150 KiB bodies back to back
 * would otherwise delay the benchmark's own KEDA client on the main thread, and its latencies
 * would measure the client, not the hub.
 */
const LOOP = `
const { parentPort, workerData } = require("node:worker_threads");
const { url, count } = workerData;
let stopped = false;
parentPort.once("message", () => (stopped = true));
const durationsMs = [], lagMaxMs = [];
let bytes = 0, errors = 0;
const lagOf = (text) => {
  const m = /^nodejs_eventloop_lag_max_seconds (\\S+)$/m.exec(text);
  return m ? Number(m[1]) * 1000 : NaN;
};
const worker = async () => {
  while (!stopped) {
    const t0 = performance.now();
    try {
      const text = await (await fetch(url)).text();
      durationsMs.push(performance.now() - t0);
      bytes = text.length;
      lagMaxMs.push(lagOf(text));
    } catch {
      errors++;
    }
  }
};
Promise.all(Array.from({ length: count }, worker)).then(() =>
  parentPort.postMessage({ durationsMs, lagMaxMs, bytes, errors }),
);
`;

/** `count` scrapers GETting /metrics back to back (in a worker thread) until `stop` resolves. */
export async function loopScrapers(
  httpPort: number,
  count: number,
  stop: Promise<unknown>,
): Promise<ScrapeLoopResult> {
  const worker = new Worker(LOOP, {
    eval: true,
    workerData: { url: `http://127.0.0.1:${httpPort}/metrics`, count },
  });
  try {
    const done = new Promise<ScrapeLoopResult>((resolve, reject) => {
      worker.once("message", (r: ScrapeLoopResult) => resolve(r));
      worker.once("error", reject);
    });
    await stop;
    worker.postMessage("stop");
    return await done;
  } finally {
    await worker.terminate();
  }
}

/** The hub's longest event-loop delay since the previous scrape, in ms (one scrape). */
export async function lagMaxSinceLastScrape(httpPort: number): Promise<number> {
  return sampleSum(await scrape(httpPort), "nodejs_eventloop_lag_max_seconds") * 1000;
}
