import WebSocket from "ws";
import type { ScaledObjectRef } from "../../src/keda/messages.js";

/** Pulsar-side helpers of the benchmarks and reliability tests: topics, producer, trigger refs. */

export const TENANT_NS = "public/default";

export function fullTopic(local: string): string {
  return `persistent://${TENANT_NS}/${local}`;
}

/** Creates the topic and a durable subscription on it (HTTP PUT; 409 = already there). */
export async function ensureSubscription(adminUrl: string, topic: string, sub: string): Promise<void> {
  const url = `${adminUrl}/admin/v2/persistent/${TENANT_NS}/${encodeURIComponent(topic)}/subscription/${encodeURIComponent(sub)}`;
  const res = await fetch(url, { method: "PUT" });
  await res.text();
  if (res.status !== 204 && res.status !== 200 && res.status !== 409) {
    throw new Error(`creating subscription ${topic}/${sub}: HTTP ${res.status}`);
  }
}

/** The subscription's msgBacklog as the admin API reports it (counted by the simulator). */
export async function adminBacklog(adminUrl: string, topic: string, sub: string): Promise<number> {
  const res = await fetch(`${adminUrl}/admin/v2/persistent/${TENANT_NS}/${encodeURIComponent(topic)}/stats`);
  const body = (await res.json()) as { subscriptions?: Record<string, { msgBacklog?: number }> };
  return body.subscriptions?.[sub]?.msgBacklog ?? NaN;
}

/**
 * Consumers on the topic (any subscription) holding a permit: an armed tripwire or a reader
 * waiting for its next message. A fired tripwire holds none until it is re-armed.
 */
export async function armedConsumers(adminUrl: string, topic: string): Promise<number> {
  const res = await fetch(`${adminUrl}/admin/v2/persistent/${TENANT_NS}/${encodeURIComponent(topic)}/stats`);
  const body = (await res.json()) as {
    subscriptions?: Record<string, { consumers?: { availablePermits?: number }[] }>;
  };
  let armed = 0;
  for (const s of Object.values(body.subscriptions ?? {}))
    for (const c of s.consumers ?? []) if ((c.availablePermits ?? 0) > 0) armed++;
  return armed;
}

/** A WebSocket producer (`/ws/v2/producer/...`); `send()` resolves on the broker's `ok`. */
export class Producer {
  private seq = 0;
  private readonly pending = new Map<string, { resolve(): void; reject(e: Error): void }>();

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => {
      let msg: { result?: string; context?: string; errorMsg?: string };
      try {
        msg = JSON.parse(data.toString("utf8")) as typeof msg;
      } catch {
        return;
      }
      const p = msg.context !== undefined ? this.pending.get(msg.context) : undefined;
      if (!p || msg.context === undefined) return;
      this.pending.delete(msg.context);
      if (msg.result === "ok") p.resolve();
      else p.reject(new Error(`send failed: ${msg.result ?? "?"} ${msg.errorMsg ?? ""}`));
    });
    ws.on("close", () => {
      for (const p of this.pending.values()) p.reject(new Error("producer closed"));
      this.pending.clear();
    });
  }

  static open(wsUrl: string, topic: string, timeoutMs = 5000): Promise<Producer> {
    const ws = new WebSocket(`${wsUrl}/ws/v2/producer/persistent/${TENANT_NS}/${encodeURIComponent(topic)}`, {
      perMessageDeflate: false,
    });
    ws.on("error", () => {});
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`producer ${topic}: not open after ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve(new Producer(ws));
      });
      ws.once("close", () => {
        clearTimeout(timer);
        reject(new Error(`producer ${topic}: closed before open`));
      });
    });
  }

  /** Sends one message; the returned promise settles on the broker's answer. */
  send(text = "m"): Promise<void> {
    const context = String(++this.seq);
    return new Promise((resolve, reject) => {
      this.pending.set(context, { resolve, reject });
      this.ws.send(JSON.stringify({ payload: Buffer.from(text).toString("base64"), context }));
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

export interface RefOptions {
  readonly name: string;
  readonly namespace?: string;
  readonly adminUrl: string;
  readonly topic: string;
  readonly subscription: string;
  readonly extra?: Readonly<Record<string, string>>;
}

/** A ScaledObjectRef with the trigger metadata of KEDA's built-in pulsar scaler. */
export function refFor(o: RefOptions): ScaledObjectRef {
  return {
    name: o.name,
    namespace: o.namespace ?? "bench",
    scalerMetadata: {
      scalerAddress: "pulsar-push-scaler:9090",
      adminURL: o.adminUrl,
      topic: fullTopic(o.topic),
      subscription: o.subscription,
      msgBacklogThreshold: "10",
      activationMsgBacklogThreshold: "0",
      ...o.extra,
    },
  };
}
