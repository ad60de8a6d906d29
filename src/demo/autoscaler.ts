import type { ScaledObjectRef } from "../keda/messages.js";
import { initialHpa, onPush, onReading, type HpaPolicy, type HpaState, type HpaStep } from "./hpa.js";
import type { KedaEmulator, PollResult } from "../keda/keda-emulator.js";
import { codeName } from "../keda/status.js";
import type { DemoStats } from "./stats.js";
import type { Emit } from "./timeline.js";

/** A push this long after the last burst is not attributed to it (a stream reopened on an active key). */
const LATENCY_WINDOW_MS = 5_000;

export interface AutoscalerDeps {
  readonly keda: KedaEmulator;
  readonly ref: ScaledObjectRef;
  readonly policy: HpaPolicy;
  readonly pollMs: number;
  /** The scaled Deployment. */
  readonly scaleTo: (replicas: number) => void;
  readonly emit: Emit;
  readonly stats: DemoStats;
  readonly now: () => number;
}

/**
 * KEDA + HPA for one ScaledObject: StreamIsActive pushes scale from zero at once; each polling tick
 * turns GetMetrics / IsActive into the replica count an HPA would ask for (hpa.ts).
 */
export class Autoscaler {
  private hpa: HpaState;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** First message of the latest burst not yet followed by a push. */
  private burstAt: number | undefined;
  private last: { backlog: number; active: boolean; replicas: number } | undefined;
  private lastError: string | undefined;
  private sawBacklog = false;
  private readonly firstOk: Promise<void>;
  private resolveFirstOk: () => void = () => {};

  constructor(private readonly d: AutoscalerDeps) {
    this.hpa = initialHpa(d.policy);
    this.firstOk = new Promise((resolve) => (this.resolveFirstOk = resolve));
  }

  get replicas(): number {
    return this.hpa.replicas;
  }

  /** Opens the stream and starts polling; resolves after the first poll that answered. */
  start(): Promise<void> {
    this.d.scaleTo(this.hpa.replicas);
    this.d.keda.watch(this.d.ref, {
      onPush: (res) => {
        if (res.result) this.pushed();
      },
      onEnd: (code, details, reopenInMs) => {
        // undefined: the demo closed the stream itself, nothing to tell.
        if (reopenInMs === undefined) return;
        this.d.emit({
          type: "stream",
          state: "end",
          detail: `${codeName(code)} ${details}, reopening in ${reopenInMs} ms`,
        });
      },
    });
    void this.tick();
    return this.firstOk;
  }

  /** The traffic generator started a burst now. */
  burstStarted(at: number): void {
    this.burstAt = at;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private pushed(): void {
    const now = this.d.now();
    const since = this.burstAt === undefined ? undefined : now - this.burstAt;
    const latencyMs = since !== undefined && since <= LATENCY_WINDOW_MS ? since : undefined;
    this.burstAt = undefined;
    const fromZero = this.hpa.replicas === 0;
    this.d.stats.activations++;
    if (latencyMs !== undefined) this.d.stats.latenciesMs.push(latencyMs);
    this.d.emit({ type: "activation", latencyMs, fromZero });
    this.apply(onPush(this.d.policy, this.hpa, now));
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const r = await this.d.keda.poll(this.d.ref);
    if (this.stopped) return;
    this.observe(r);
    this.timer = setTimeout(() => void this.tick(), this.d.pollMs);
  }

  private observe(r: PollResult): void {
    if (!r.ok) {
      const text = `${r.code}: ${r.message}`;
      if (text !== this.lastError) this.d.emit({ type: "unavailable", code: r.code, message: r.message });
      this.lastError = text;
      return;
    }
    // The first reading after UNAVAILABLE is always shown: it is the recovery.
    if (this.lastError !== undefined) this.last = undefined;
    this.lastError = undefined;
    this.resolveFirstOk();
    this.d.stats.maxBacklog = Math.max(this.d.stats.maxBacklog, r.backlog);
    this.apply(onReading(this.d.policy, this.hpa, this.d.now(), r));
    const now = { backlog: r.backlog, active: r.active, replicas: this.hpa.replicas };
    const l = this.last;
    if (!l || l.backlog !== now.backlog || l.active !== now.active || l.replicas !== now.replicas) {
      const { minReplicas: min, maxReplicas: max } = this.d.policy;
      this.d.emit({ type: "metrics", ...now, min, max });
    }
    this.last = now;
    if (r.backlog > 0) this.sawBacklog = true;
    else if (!r.active && this.sawBacklog) {
      this.sawBacklog = false;
      this.d.emit({ type: "drained", backlog: r.backlog, active: false });
    }
  }

  private apply(step: HpaStep): void {
    this.hpa = step.state;
    if (step.reason === undefined) return;
    this.d.emit({ type: "scale", from: step.from, to: step.state.replicas, reason: step.reason });
    this.d.scaleTo(step.state.replicas);
  }
}
