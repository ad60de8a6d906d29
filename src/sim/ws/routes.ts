import { errorText } from "../../lib/errors.js";
import { SimBadRequestError, SimNotAllowedError, SimRestError } from "../errors.js";
import { topicNameOf, type TopicName } from "../model/names.js";

/** What a WebSocket upgrade asks for: its handler, topic and subscription, and how a refusal reads. */
export interface WsRoute {
  readonly kind: "producer" | "consumer" | "reader";
  readonly name: TopicName;
  readonly subscription?: string;
}

/**
 * `/ws/v2/{producer|reader}/{domain}/{t}/{ns}/{topic}` and `/ws/v2/consumer/.../{topic}/{sub}`. A
 * consumer path without its subscription is a bad argument, as ConsumerHandler's
 * extractSubscription says (400 on the upgrade), not a path nothing serves.
 */
export function parseWsPath(path: string): WsRoute | undefined {
  const parts = path.split("/").map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const [empty, ws, v2, kind, domain, tenant, ns, topic, sub] = parts;
  if (empty !== "" || ws !== "ws" || v2 !== "v2" || domain === undefined || tenant === undefined)
    return undefined;
  if (ns === undefined || topic === undefined) return undefined;
  const name = topicNameOf(domain, tenant, ns, topic);
  if ((kind === "producer" || kind === "reader") && parts.length === 8) return { kind, name };
  if (kind === "consumer" && parts.length === 8) {
    throw new SimBadRequestError("Invalid query params: Invalid topic name format");
  }
  if (kind === "consumer" && parts.length === 9) {
    if (!sub) throw new SimBadRequestError("Invalid query params: Empty subscription name");
    return { kind, name, subscription: sub };
  }
  return undefined;
}

/**
 * Status and text of a refused upgrade, as each handler writes them: ReaderHandler answers every
 * failure with 500 "Failed to create reader: ..."; the producer and consumer handlers answer bad
 * arguments with 400 "Invalid query params: ...", a NotAllowedException with 500, the rest with
 * their status and the text both inherit from AbstractWebSocketHandler since Pulsar 3.x:
 * "Failed to create producer/consumer: ..." (older ConsumerHandlers wrote "Failed to subscribe: ...").
 */
export function upgradeFailure(kind: WsRoute["kind"] | undefined, err: unknown): [number, string] {
  const text = err instanceof SimRestError ? err.reason : errorText(err);
  if (kind === "reader") return [500, `Failed to create reader: ${text}`];
  if (err instanceof SimRestError && err.status === 400) {
    return [400, text.startsWith("Invalid query params: ") ? text : `Invalid query params: ${text}`];
  }
  const prefix = "Failed to create producer/consumer: ";
  if (err instanceof SimRestError && !(err instanceof SimNotAllowedError)) return [err.status, prefix + text];
  return [500, prefix + text];
}

/** The handler a path names, for the error text of a path that failed to parse. */
export function wsKindOf(path: string): WsRoute["kind"] | undefined {
  const kind = path.split("/")[3];
  return kind === "producer" || kind === "consumer" || kind === "reader" ? kind : undefined;
}

/** Java's Integer.parseInt: a NumberFormatException (an IllegalArgumentException) when malformed. */
export function intParam(q: URLSearchParams, name: string, dflt: number): number {
  const raw = q.get(name);
  if (raw === null) return dflt;
  const n = /^[-+]?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1 || n < -(2 ** 31)) {
    throw new SimBadRequestError(`Invalid query params: For input string: "${raw}"`);
  }
  return n;
}
