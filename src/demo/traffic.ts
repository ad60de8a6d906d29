import WebSocket from "ws";
import { ScalerError, errorText } from "../lib/errors.js";
import { parseTopicName, topicPath } from "../pulsar/topic-name.js";

/** The demo's topic over the Pulsar WebSocket API v2 (docs/simulator.md). */
export interface TrafficTarget {
  /** ws://host:port of the broker's WebSocket service. */
  readonly wsUrl: string;
  /** persistent://tenant/ns/topic */
  readonly topic: string;
  readonly subscription: string;
}

/** A producer frame was answered with `send-error:N`, or the socket failed mid-burst. */
export class PublishError extends ScalerError {}

/** The text of a WebSocket frame. */
export function frameText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data).toString("utf8");
}

/** The topic's broker path, each part URL-encoded (the hub's own topicPath). */
function topicPathOf(topic: string): string {
  return topicPath(parseTopicName(topic));
}

export function producerUrl(t: TrafficTarget): string {
  return `${t.wsUrl}/ws/v2/producer/${topicPathOf(t.topic)}`;
}

export function consumerUrl(t: TrafficTarget, name: string, receiverQueueSize: number): string {
  const q = new URLSearchParams({
    subscriptionType: "Shared",
    receiverQueueSize: String(receiverQueueSize),
    consumerName: name,
  });
  return `${t.wsUrl}/ws/v2/consumer/${topicPathOf(t.topic)}/${encodeURIComponent(t.subscription)}?${q.toString()}`;
}

/**
 * Opens a WebSocket and resolves once it is open (rejects on an upgrade error). `onMessage` is
 * attached before the upgrade completes: a broker may send frames in the same packet as the upgrade.
 */
export function openSocket(url: string, onMessage?: (data: WebSocket.RawData) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    if (onMessage) ws.on("message", onMessage);
    const fail = (err: unknown): void => {
      ws.removeAllListeners();
      ws.on("error", () => {});
      ws.terminate();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    ws.once("open", () => {
      ws.off("error", fail);
      ws.off("unexpected-response", onResponse);
      resolve(ws);
    });
    const onResponse = (_req: unknown, res: { statusCode?: number }): void =>
      fail(new Error(`WebSocket upgrade to ${url} answered ${res.statusCode ?? "?"}`));
    ws.once("unexpected-response", onResponse);
    ws.once("error", fail);
  });
}

/** Creates the durable subscription (a consumer connects once and leaves) so stats show it. */
export async function ensureSubscription(t: TrafficTarget): Promise<void> {
  const ws = await openSocket(consumerUrl(t, "demo-setup", 1));
  await new Promise<void>((resolve) => {
    ws.once("close", () => resolve());
    ws.close(1000);
  });
}

/**
 * Publishes bursts over one WebSocket producer, waiting for every `{"result":"ok"}` receipt.
 * Reconnects on the next burst when the socket was lost.
 */
export class BurstProducer {
  private socket: WebSocket | undefined;
  private seq = 0;
  private closed = false;

  constructor(private readonly target: TrafficTarget) {}

  /** Sends `count` messages; resolves when all are acknowledged by the broker. */
  async burst(count: number): Promise<{ sent: number }> {
    if (this.closed) throw new PublishError("producer closed");
    const ws = await this.connected();
    const pending = new Set<string>();
    const done = new Promise<void>((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData): void => {
        let receipt: { result?: unknown; context?: unknown; errorMsg?: unknown };
        try {
          receipt = JSON.parse(frameText(data)) as typeof receipt;
        } catch (err) {
          return finish(new PublishError("unreadable producer receipt", { cause: err }));
        }
        if (receipt.result !== "ok") {
          return finish(
            new PublishError(`publish failed: ${String(receipt.result)} ${String(receipt.errorMsg)}`),
          );
        }
        if (typeof receipt.context === "string") pending.delete(receipt.context);
        if (pending.size === 0) finish(undefined);
      };
      const onClose = (): void => finish(new PublishError("producer socket closed during a burst"));
      const finish = (err: Error | undefined): void => {
        ws.off("message", onMessage);
        ws.off("close", onClose);
        if (err) reject(err);
        else resolve();
      };
      ws.on("message", onMessage);
      ws.on("close", onClose);
    });
    for (let i = 0; i < count; i++) {
      const context = String(++this.seq);
      pending.add(context);
      const payload = Buffer.from(`demo message ${context}`).toString("base64");
      ws.send(JSON.stringify({ payload, properties: { source: "demo" }, context }));
    }
    await done;
    return { sent: count };
  }

  private async connected(): Promise<WebSocket> {
    if (this.socket?.readyState === WebSocket.OPEN) return this.socket;
    try {
      const ws = await openSocket(producerUrl(this.target));
      ws.on("error", () => {}); // a lost producer reconnects on the next burst
      this.socket = ws;
      return ws;
    } catch (err) {
      throw new PublishError(`cannot connect the producer: ${errorText(err)}`, { cause: err });
    }
  }

  close(): void {
    this.closed = true;
    this.socket?.close(1000);
    this.socket = undefined;
  }
}
