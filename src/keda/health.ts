import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { Clock, TimerHandle } from "../lib/clock.js";
import type { StateReader } from "./state-reader.js";

export const HEALTH_SERVICES = ["", "liveness", "readiness"] as const;

export interface HealthOptions {
  readonly state: Pick<StateReader, "ready">;
  readonly clock: Clock;
  /** How often readiness is re-evaluated (default 1000 ms). */
  readonly intervalMs?: number;
  /** Told when readiness changes (the composition root logs it). */
  readonly onChange?: (ready: boolean) => void;
}

/**
 * grpc.health.v1 for "", "liveness" and "readiness". "" and "liveness" are SERVING while the
 * process serves; "readiness" follows StateReader.ready(). After shutdown() all are NOT_SERVING.
 * The same readiness backs the HTTP /readyz.
 */
export class Health {
  readonly implementation = new HealthImplementation({
    "": "SERVING",
    liveness: "SERVING",
    readiness: "NOT_SERVING",
  });
  private isReady = false;
  private stopped = false;
  private timer: TimerHandle | undefined;

  constructor(private readonly opts: HealthOptions) {
    this.refresh();
    this.schedule();
  }

  /** Re-evaluates readiness now; returns it. */
  refresh(): boolean {
    if (this.stopped) return false;
    let ready: boolean;
    try {
      ready = this.opts.state.ready();
    } catch {
      ready = false;
    }
    if (ready !== this.isReady) {
      this.isReady = ready;
      this.implementation.setStatus("readiness", ready ? "SERVING" : "NOT_SERVING");
      this.opts.onChange?.(ready);
    }
    return ready;
  }

  /** Readiness re-evaluated on demand (HTTP /readyz). */
  ready(): boolean {
    return this.refresh();
  }

  get live(): boolean {
    return !this.stopped;
  }

  /** Every service NOT_SERVING from now on; stops the periodic check. Idempotent. */
  shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.isReady = false;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    const s: ServingStatus = "NOT_SERVING";
    for (const name of HEALTH_SERVICES) this.implementation.setStatus(name, s);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.refresh();
      this.schedule();
    }, this.opts.intervalMs ?? 1000);
  }
}
