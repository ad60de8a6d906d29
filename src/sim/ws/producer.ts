import type { Duplex } from "node:stream";
import { RateWindow } from "../model/rates.js";
import type { Topic } from "../model/topic.js";
import { CLIENT_VERSION } from "./consumer.js";
import { Session, type SessionDeps } from "./session.js";

const ALPHABET = /^[A-Za-z0-9+/]*$/;

/**
 * Java's basic Base64 decoder: standard alphabet, padding optional. Checked without a regex that
 * backtracks per character: a payload of millions of characters must not exhaust the stack.
 */
export function isJavaBase64(s: string): boolean {
  let end = s.length;
  if (s.endsWith("==")) end -= 2;
  else if (s.endsWith("=")) end -= 1;
  const body = s.slice(0, end);
  if (!ALPHABET.test(body)) return false;
  const rest = body.length % 4;
  if (rest === 1) return false;
  const padding = s.length - end;
  return padding === 0 || rest + padding === 4;
}

export interface ProducerParams {
  /** One topic, or every partition of a partitioned topic. */
  readonly topics: readonly Topic[];
  readonly producerName: string;
}

function sendError(code: number, errorMsg: string, context: unknown): object {
  return { result: `send-error:${code}`, errorMsg, ...(typeof context === "string" ? { context } : {}) };
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw new TypeError("properties must be an object");
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = String(x);
  return out;
}

/** Murmur-free but stable key routing: same key, same partition. */
function partitionForKey(key: string, n: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(31, h) + key.charCodeAt(i)) | 0;
  return Math.abs(h) % n;
}

/**
 * A WebSocket producer: each `{"payload": b64, ...}` frame is published and answered with
 * `{"result":"ok","messageId","context"}` or `{"result":"send-error:N","errorMsg"}`.
 * Unkeyed messages to a partitioned topic go to one partition chosen at connect (SinglePartition).
 */
export class ProducerSession extends Session {
  private readonly ids: number[] = [];
  private readonly home: number;

  constructor(
    deps: SessionDeps,
    socket: Duplex,
    address: string,
    private readonly p: ProducerParams,
  ) {
    super(deps, socket, address);
    this.home = Math.floor(Math.random() * p.topics.length);
  }

  protected open(): void {
    for (const t of this.p.topics) {
      const id = this.deps.broker.nextId();
      this.ids.push(id);
      t.producers.set(id, {
        id,
        name: this.p.producerName,
        address: this.address,
        connectedSince: this.deps.clock.now(),
        clientVersion: CLIENT_VERSION,
        rateIn: new RateWindow(this.deps.clock, this.deps.broker.opts.statsWindowMs),
      });
    }
  }

  protected onText(text: string): void {
    let msg: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new TypeError("not an object");
      msg = parsed as Record<string, unknown>;
    } catch {
      return this.send(sendError(3, "Failed to de-serialize from JSON", undefined));
    }
    const context = msg["context"];
    const payload = msg["payload"];
    if (typeof payload !== "string") return this.send(sendError(7, "Missing payload", context));
    if (!isJavaBase64(payload)) {
      return this.send(
        sendError(7, "Invalid Base64 message-payload error=Illegal base64 character", context),
      );
    }
    let properties: Record<string, string> | undefined;
    try {
      properties = stringMap(msg["properties"]);
    } catch {
      return this.send(sendError(3, "Failed to de-serialize from JSON", context));
    }
    const key = typeof msg["key"] === "string" ? msg["key"] : undefined;
    const now = this.deps.clock.now();
    const deliverAt =
      typeof msg["deliverAt"] === "number" && msg["deliverAt"] > 0
        ? msg["deliverAt"]
        : typeof msg["deliverAfterMs"] === "number" && msg["deliverAfterMs"] > 0
          ? now + msg["deliverAfterMs"]
          : undefined;
    const eventTime = typeof msg["eventTime"] === "string" ? Date.parse(msg["eventTime"]) : NaN;
    const index = key !== undefined ? partitionForKey(key, this.p.topics.length) : this.home;
    const topic = this.p.topics[index] as Topic;
    const { messageId } = topic.publish({
      payload,
      ...(properties ? { properties } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(deliverAt !== undefined ? { deliverAt } : {}),
      ...(Number.isFinite(eventTime) ? { eventTime } : {}),
    });
    topic.producers.get(this.ids[index] ?? -1)?.rateIn.record(1, Buffer.byteLength(payload, "base64"));
    this.send({ result: "ok", messageId, ...(typeof context === "string" ? { context } : {}) });
  }

  protected cleanup(): void {
    this.p.topics.forEach((t, i) => t.producers.delete(this.ids[i] ?? -1));
  }
}
