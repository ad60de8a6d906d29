import type WebSocket from "ws";
import { consumerUrl, frameText, openSocket, type TrafficTarget } from "./traffic.js";

/** Ack pacing tick; each replica acks up to `ackRate * tick` messages per tick. */
const TICK_MS = 50;
const RECONNECT_MS = 500;

export interface DeploymentOptions {
  readonly target: TrafficTarget;
  /** Messages each replica acknowledges per second. */
  readonly ackRate: number;
  /** Called for each acknowledged message (counting). */
  readonly onAck?: () => void;
  /** A replica failed to connect or lost its socket (it retries while wanted). */
  readonly onError?: (replica: string, err: unknown) => void;
}

/**
 * One replica of the scaled consumer: a Shared-subscription WebSocket consumer that holds the
 * messages it receives and acknowledges them at a fixed rate, like a worker with a fixed speed.
 */
class Replica {
  private socket: WebSocket | undefined;
  private readonly queue: string[] = [];
  private credit = 0;
  private stopped = false;
  private readonly ticker: NodeJS.Timeout;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly opts: DeploymentOptions,
  ) {
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const queueSize = Math.min(1000, Math.max(1, Math.ceil(this.opts.ackRate / 2)));
    const onMessage = (data: WebSocket.RawData): void => {
      try {
        const msg = JSON.parse(frameText(data)) as { messageId?: unknown };
        if (typeof msg.messageId === "string") this.queue.push(msg.messageId);
      } catch {
        /* not a message frame */
      }
    };
    openSocket(consumerUrl(this.opts.target, this.name, queueSize), onMessage).then(
      (ws) => {
        if (this.stopped) return void ws.close(1000);
        this.socket = ws;
        ws.on("error", (err) => this.opts.onError?.(this.name, err));
        ws.on("close", () => {
          if (this.socket === ws) this.socket = undefined;
          this.queue.length = 0; // unacked messages go back to the subscription
          this.scheduleReconnect();
        });
      },
      (err: unknown) => {
        this.opts.onError?.(this.name, err);
        this.scheduleReconnect();
      },
    );
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect();
    }, RECONNECT_MS);
  }

  private tick(): void {
    const ws = this.socket;
    if (!ws || ws.readyState !== ws.OPEN) return;
    this.credit = Math.min(
      this.credit + (this.opts.ackRate * TICK_MS) / 1000,
      Math.max(1, this.opts.ackRate),
    );
    while (this.credit >= 1 && this.queue.length > 0) {
      const messageId = this.queue.shift() as string;
      ws.send(JSON.stringify({ messageId }));
      this.credit -= 1;
      this.opts.onAck?.();
    }
    if (this.queue.length === 0) this.credit = Math.min(this.credit, 1);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.ticker);
    if (this.retry) clearTimeout(this.retry);
    this.socket?.close(1000);
    this.socket = undefined;
  }
}

/**
 * The scaled Deployment: as many consumer replicas as the emulated HPA asks for. At 0 replicas
 * nothing is connected to the subscription, as with a Deployment scaled to zero.
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
