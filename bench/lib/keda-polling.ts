import type { ScaledObjectRef } from "../../src/keda/messages.js";

export interface KedaPollingOptions {
  readonly refs: readonly ScaledObjectRef[];
  /** KEDA's pollingInterval (30 s), divided by the time compression. */
  readonly tickMs: number;
  /** The HPA's metric read period (15 s), divided by the time compression. */
  readonly hpaMs: number;
  readonly onTick: (ref: ScaledObjectRef) => Promise<unknown>;
  readonly onHpaRead: (ref: ScaledObjectRef) => Promise<unknown>;
}

export interface KedaPolling {
  readonly calls: { ticks: number; hpaReads: number; errors: number };
  stop(): void;
}

/**
 * KEDA's per-ScaledObject polling loop and the HPA's metric reads, each on its own fixed ticker
 * with a random phase per ScaledObject (as objects created at different times have).
 */
export function startKedaPolling(o: KedaPollingOptions): KedaPolling {
  const timers: NodeJS.Timeout[] = [];
  const calls = { ticks: 0, hpaReads: 0, errors: 0 };
  let stopped = false;
  const every = (periodMs: number, fn: () => Promise<unknown>, count: () => void) => {
    const phase = setTimeout(() => {
      if (stopped) return;
      const fire = () => {
        count();
        fn().catch(() => calls.errors++);
      };
      fire();
      timers.push(setInterval(fire, periodMs));
    }, Math.random() * periodMs);
    timers.push(phase);
  };
  for (const ref of o.refs) {
    every(
      o.tickMs,
      () => o.onTick(ref),
      () => calls.ticks++,
    );
    every(
      o.hpaMs,
      () => o.onHpaRead(ref),
      () => calls.hpaReads++,
    );
  }
  return {
    calls,
    stop: () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
    },
  };
}
