import { ScalerError, errorText } from "../lib/errors.js";
import { parseTopicName, topicPath } from "../pulsar/topic-name.js";
import type { SimControl } from "../sim/control.js";

/**
 * The demo's topic and the simulator that holds it. The broker's WebSocket service is off, as on
 * a real broker, so the demo's producer and consumers, which stand in for applications, publish
 * and acknowledge through the simulator's control API (docs/simulator.md) instead.
 */
export interface TrafficTarget {
  /** http://host:port of the broker's admin REST API. */
  readonly adminUrl: string;
  /** The simulator's control API (`/_sim/publish`, `/_sim/ack`). */
  readonly control: SimControl;
  /** persistent://tenant/ns/topic */
  readonly topic: string;
  readonly subscription: string;
}

/** A publish was refused, or the simulator could not be reached. */
export class PublishError extends ScalerError {}

/** The admin URL of the subscription: the topic's broker path, the subscription one encoded segment. */
export function subscriptionUrl(t: Pick<TrafficTarget, "adminUrl" | "topic" | "subscription">): string {
  const path = topicPath(parseTopicName(t.topic));
  return `${t.adminUrl}/admin/v2/${path}/subscription/${encodeURIComponent(t.subscription)}`;
}

/** Creates the durable subscription (admin REST, as `pulsar-admin topics create-subscription`). */
export async function ensureSubscription(t: TrafficTarget): Promise<void> {
  const res = await fetch(subscriptionUrl(t), { method: "PUT" });
  // 409: it exists already.
  if (!res.ok && res.status !== 409) {
    throw new Error(`creating subscription ${t.subscription}: HTTP ${res.status} ${await res.text()}`);
  }
}

/** Publishes bursts, each one call that returns once the broker stored every message. */
export class BurstProducer {
  private seq = 0;
  private closed = false;

  constructor(private readonly target: TrafficTarget) {}

  /** Sends `count` messages; resolves when all are stored by the broker. */
  async burst(count: number): Promise<{ sent: number }> {
    if (this.closed) throw new PublishError("producer closed");
    const first = this.seq + 1;
    this.seq += count;
    try {
      const r = await this.target.control.publish({
        topic: this.target.topic,
        count,
        payload: `demo message ${first}..${this.seq}`,
      });
      return { sent: r.published };
    } catch (err) {
      throw new PublishError(`publish failed: ${errorText(err)}`, { cause: err });
    }
  }

  close(): void {
    this.closed = true;
  }
}
