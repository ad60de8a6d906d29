import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * The registry of one program (hub, sidecar), built by its composition root and passed down:
 * each component registers its `pps_` instruments in it when built and updates them where things
 * happen. It also carries prom-client's process metrics (`process_*`, `nodejs_*`: memory, heap,
 * event-loop lag, GC), under their usual names without a prefix. prom-client's global registry is
 * never used; a test that needs a registry makes a fresh `new Registry()`.
 *
 * `eventLoopPrecisionMs` is the sampling period of the event-loop delay monitor behind
 * `nodejs_eventloop_lag_*`: its timer wakes the process that often. The hub keeps prom-client's
 * 10 ms (short blocks are what its lag figures are for); the sidecar, one per consumer pod and
 * mostly idle, samples every 100 ms, which costs ~0.05 % of a core instead of ~0.7 %.
 */
export function programRegistry(opts: { readonly eventLoopPrecisionMs?: number } = {}): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, eventLoopMonitoringPrecision: opts.eventLoopPrecisionMs ?? 10 });
  return register;
}
