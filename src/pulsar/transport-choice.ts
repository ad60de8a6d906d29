import { ConfigError } from "../lib/errors.js";
import type { ClusterConfig } from "./cluster.js";

/** What carries a cluster's arrivals: the binary tripwire, the WebSocket reader, or nothing (polling). */
export type ArrivalTransport = "binary" | "websocket" | "polling";

/**
 * What the WebSocket service said when asked: `check` asks once; a watcher learns it from its
 * reader's status instead (`unavailable` turns it to polling until the service answers).
 */
export type WebSocketAnswer =
  | { readonly kind: "answered" }
  | { readonly kind: "unavailable" }
  | { readonly kind: "failed"; readonly error: string };

export interface TransportChoice {
  /** The ArrivalSource a cluster's access builds (`polling`: one that never delivers). */
  readonly source: ArrivalTransport;
  /** What carries arrivals, given the WebSocket answer: the source, or polling when it is off. */
  readonly transport: ArrivalTransport;
  /** Where arrivals come from: the service URL or the WebSocket URL; absent for polling. */
  readonly url?: string;
  /** Why, as check prints it: "serviceUrl configured", "no serviceUrl; service answered", ... */
  readonly why: string;
}

type ChoiceInput = Pick<ClusterConfig, "name" | "arrivals" | "serviceUrl" | "wsUrl">;

/** The WebSocket reader, or polling once the service is known to be off. */
function webSocket(cluster: ChoiceInput, because: string, ws: WebSocketAnswer | undefined): TransportChoice {
  const source = "websocket";
  const url = cluster.wsUrl;
  switch (ws?.kind) {
    case undefined:
      return {
        source,
        transport: source,
        url,
        why: `${because}; polling alone while the WebSocket service is off`,
      };
    case "answered":
      return { source, transport: source, url, why: `${because}; service answered` };
    case "unavailable":
      // The reader keeps retrying slowly: arrivals come back by themselves if the service is turned on.
      return { source, transport: "polling", why: `${because}; the WebSocket service at ${url} is off` };
    case "failed":
      return { source, transport: source, url, why: `${because}; the WebSocket service failed: ${ws.error}` };
  }
}

/**
 * The rule of issue 12: `auto` = the binary protocol when a service URL is configured, else the
 * WebSocket reader, which falls back to polling while the service does not answer; `binary` and
 * `websocket` force one; `off` = polling only. `ws` is the WebSocket service's answer when known.
 * Throws ConfigError for `binary` without a service URL (the cluster rules refuse it earlier).
 */
export function chooseTransport(cluster: ChoiceInput, ws?: WebSocketAnswer): TransportChoice {
  const { serviceUrl } = cluster;
  switch (cluster.arrivals) {
    case "off":
      return { source: "polling", transport: "polling", why: "arrivals=off" };
    case "binary":
      if (serviceUrl === undefined) {
        throw new ConfigError([
          `cluster ${JSON.stringify(cluster.name)}: arrivals binary needs a service URL`,
        ]);
      }
      return { source: "binary", transport: "binary", url: serviceUrl, why: "arrivals=binary" };
    case "websocket":
      return webSocket(cluster, "arrivals=websocket", ws);
    case "auto":
      if (serviceUrl !== undefined) {
        return { source: "binary", transport: "binary", url: serviceUrl, why: "serviceUrl configured" };
      }
      return webSocket(cluster, "no serviceUrl", ws);
  }
}

/**
 * One line for people: `binary (pulsar://pulsar:6650, serviceUrl configured)`,
 * `polling only (arrivals=off)`. Takes a choice, or check's report of one (url null for polling).
 */
export function describeTransport(
  c: Pick<TransportChoice, "transport" | "why"> & { readonly url?: string | null },
): string {
  if (c.transport === "polling") return `polling only (${c.why})`;
  return `${c.transport} (${c.url ?? ""}, ${c.why})`;
}
