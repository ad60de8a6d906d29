import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * The registry of one program (hub, sidecar), built by its composition root and passed down:
 * each component registers its `pps_` instruments in it when built and updates them where things
 * happen. It also carries prom-client's process metrics (`process_*`, `nodejs_*`: memory, heap,
 * event-loop lag, GC), under their usual names without a prefix. prom-client's global registry is
 * never used; a test that needs a registry makes a fresh `new Registry()`.
 */
export function programRegistry(): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register });
  return register;
}
