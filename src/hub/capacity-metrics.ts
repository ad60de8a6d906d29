import { Counter, type Registry } from "prom-client";
import type { CapacityKind } from "../state/errors.js";

const KINDS: readonly CapacityKind[] = ["keys", "scaled_objects"];

/**
 * `pps_capacity_refused_total{what}`: KEDA calls refused RESOURCE_EXHAUSTED because the key table
 * was full of healthy entries (--max-keys, --max-scaled-objects). Both series exist from the start,
 * at 0, so an alert can rate() them. Returns what the watch engine calls on each refusal.
 */
export function capacityRefusedCounter(register: Registry): (what: CapacityKind) => void {
  const refused = new Counter({
    name: "pps_capacity_refused_total",
    help: "KEDA calls refused for capacity (RESOURCE_EXHAUSTED), by the bound that was full: keys or scaled_objects",
    labelNames: ["what"],
    registers: [register],
  });
  for (const what of KINDS) refused.inc({ what }, 0);
  return (what) => refused.inc({ what });
}
