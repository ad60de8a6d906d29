import type { TrafficTarget } from "./traffic.js";

/** Ack pacing tick; each replica acks up to `ackRate * tick` messages per tick. */
const TICK_MS = 50;

export interface DeploymentOptions {
  readonly target: TrafficTarget;
  /** Messages each replica acknowledges per second. */
  readonly ackRate: number;
  /** Called for each acknowledged message (counting). */
  readonly onAck?: () => void;
  /** An acknowledgement failed (the replica tries again at its next tick). */
  readonly onError?: (replica: string, err: unknown) => void;
}

/**
 * One replica of the scaled consumer: a worker with a fixed speed on the Shared subscription. It
 * acknowledges the oldest messages at its rate through the simulator's control API (the broker's
 * WebSocket service is off; see traffic.ts), one request at a time.
 */
class Replica {
  private credit = 0;
  private stopped = false;
  private busy = false;
  private readonly ticker: NodeJS.Timeout;

  constructor(
    readonly name: string,
    private readonly opts: DeploymentOptions,
  ) {
    this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  private tick(): void {
    if (this.busy) return;
    this.credit = Math.min(
      this.credit + (this.opts.ackRate * TICK_MS) / 1000,
      Math.max(1, this.opts.ackRate),
    );
    const want = Math.floor(this.credit);
    if (want < 1) return;
    const { control, topic, subscription } = this.opts.target;
    this.busy = true;
    control.ack(topic, subscription, want).then(
      ({ acked }) => {
        this.busy = false;
        if (this.stopped) return;
        this.credit -= acked;
        for (let i = 0; i < acked; i++) this.opts.onAck?.();
        // Nothing left to acknowledge: a worker does not bank speed while it waits.
        if (acked < want) this.credit = Math.min(this.credit, 1);
      },
      (err: unknown) => {
        this.busy = false;
        if (!this.stopped) this.opts.onError?.(this.name, err);
      },
    );
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.ticker);
  }
}

/**
 * The scaled Deployment: as many consumer replicas as the emulated HPA asks for. At 0 replicas
 * nothing acknowledges, as with a Deployment scaled to zero.
 */
export class ConsumerDeployment {
  private readonly replicas: Replica[] = [];
  private started = 0;

  constructor(private readonly opts: DeploymentOptions) {}

  get size(): number {
    return this.replicas.length;
  }

  scaleTo(n: number): void {
    while (this.replicas.length < n) {
      this.replicas.push(new Replica(`demo-consumer-${++this.started}`, this.opts));
    }
    while (this.replicas.length > n) this.replicas.pop()?.stop();
  }

  close(): void {
    this.scaleTo(0);
  }
}
