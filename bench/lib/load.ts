import { nowMs } from "./stats.js";

export interface ClosedLoopOptions {
  readonly concurrency: number;
  readonly durationMs: number;
  /** One operation; `i` counts operations across workers. Rejections are counted as errors. */
  readonly op: (i: number) => Promise<void>;
  /** Bound on recorded latencies (later ones are sampled out). Default 1,000,000. */
  readonly maxSamples?: number;
}

export interface ClosedLoopResult {
  readonly latenciesMs: number[];
  readonly ops: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly elapsedMs: number;
  readonly perSecond: number;
}

/**
 * Runs `concurrency` workers, each calling `op` back to back until `durationMs` has passed
 * (a closed loop: the offered load adapts to the server). Latency is measured per operation.
 */
export async function closedLoop(o: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  const max = o.maxSamples ?? 1_000_000;
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = nowMs();
  const deadline = start + o.durationMs;
  const worker = async () => {
    while (nowMs() < deadline) {
      const i = next++;
      const t0 = nowMs();
      try {
        await o.op(i);
        if (latencies.length < max) latencies.push(nowMs() - t0);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const elapsedMs = nowMs() - start;
  return {
    latenciesMs: latencies,
    ops: next,
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
    elapsedMs,
    perSecond: (latencies.length / elapsedMs) * 1000,
  };
}

/** Resolves after `ms` (bench pacing only; tests use latches). */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `pred` every `everyMs` until true or `timeoutMs` passed; returns whether it became true. */
export async function until(
  pred: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 5,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() > deadline) return false;
    await delay(everyMs);
  }
}
