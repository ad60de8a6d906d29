import type { ScaledObjectRef } from "../../src/keda/messages.js";
import type { SimControl } from "../../src/sim/control.js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { BacklogHistory, MetricsProbe, StreamProbe } from "../../test/reliability/invariants.js";
import { fullTopic, refFor } from "../../test/support/pulsar.js";

/** One soaked subscription: true backlog history, GetMetrics probe, streams, and activation checks. */
export class SoakKey {
  readonly history = new BacklogHistory(0);
  readonly refs: ScaledObjectRef[];
  readonly streams: StreamProbe;
  probe: MetricsProbe | undefined;
  private backlog = 0;
  private checks: Array<{ deadline: number; want: number[] }> = [];
  missed = 0;
  edges = 0;

  constructor(
    readonly topic: string,
    private readonly control: SimControl,
    private readonly keda: KedaEmulator,
    adminUrl: string,
    streams: number,
  ) {
    this.refs = Array.from({ length: streams }, (_, i) =>
      refFor({ name: `soak-${topic}-${i}`, adminUrl, topic, subscription: "workers" }),
    );
    this.streams = new StreamProbe(keda, this.refs);
  }

  startProbe(metricName: string, windowMs: number): void {
    this.probe = new MetricsProbe({
      keda: this.keda,
      ref: this.refs[0] as ScaledObjectRef,
      metricName,
      history: this.history,
      windowMs,
      everyMs: 200,
    });
  }

  /** A burst on a key the hub says is inactive: an activation edge every stream must see. */
  async burst(count: number, checkWithinMs: number): Promise<boolean> {
    if (await this.keda.isActive(this.refs[0] as ScaledObjectRef).catch(() => true)) return false;
    this.checks.push({ deadline: Date.now() + checkWithinMs, want: this.streams.pushes.map((p) => p + 1) });
    this.edges++;
    await this.control.publish({ topic: fullTopic(this.topic), count });
    this.backlog += count;
    this.history.set(this.backlog);
    return true;
  }

  async drain(): Promise<void> {
    await this.control.ack(fullTopic(this.topic), "workers", 1_000_000);
    this.backlog = 0;
    this.history.set(0);
  }

  /** Counts activations whose push did not reach every stream by its deadline. */
  settle(now: number): void {
    this.checks = this.checks.filter((c) => {
      const reached = c.want.every((w, i) => (this.streams.pushes[i] ?? 0) >= w);
      if (reached) return false;
      if (now < c.deadline) return true;
      this.missed++;
      return false;
    });
  }

  get pending(): number {
    return this.checks.length;
  }

  async stop(): Promise<void> {
    this.streams.stop();
    await this.probe?.stop();
  }
}
