import type { SimControl } from "../../src/sim/control.js";
import { fullTopic, Producer } from "../../test/support/pulsar.js";

export interface TrafficOptions {
  readonly control: SimControl;
  readonly wsUrl: string;
  readonly topics: readonly string[];
  readonly subscription: string;
  /** One message per topic every publishEveryMs (WebSocket producer). */
  readonly publishEveryMs: number;
  /** A consumer stand-in acks everything every ackEveryMs (SimControl.ack, not an admin request). */
  readonly ackEveryMs: number;
}

export interface Traffic {
  readonly sent: () => number;
  stop(): Promise<void>;
}

/** Steady traffic on every topic: publishes and a consumer that keeps up. Stops by itself on stop(). */
export async function startTraffic(o: TrafficOptions): Promise<Traffic> {
  const producers = await Promise.all(o.topics.map((t) => Producer.open(o.wsUrl, t)));
  let sent = 0;
  let stopped = false;
  const pub = setInterval(() => {
    for (const p of producers) {
      sent++;
      p.send().catch(() => {});
    }
  }, o.publishEveryMs);
  const ack = setInterval(() => {
    if (stopped) return;
    for (const t of o.topics) o.control.ack(fullTopic(t), o.subscription, 1_000_000).catch(() => {});
  }, o.ackEveryMs);
  return {
    sent: () => sent,
    stop: async () => {
      stopped = true;
      clearInterval(pub);
      clearInterval(ack);
      for (const p of producers) p.close();
      await Promise.all(
        o.topics.map((t) => o.control.ack(fullTopic(t), o.subscription, 1_000_000).catch(() => {})),
      );
    },
  };
}
