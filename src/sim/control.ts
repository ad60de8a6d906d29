import { ScalerError } from "../lib/errors.js";
import type { BinaryState } from "./binary/endpoint.js";
import type { FaultSpec, RedirectSpec, RequestCounts } from "./http/faults.js";

export type { FaultKind, FaultSpec, RedirectSpec, RequestCounts } from "./http/faults.js";
export type { BinaryState } from "./binary/endpoint.js";

/** A `/_sim` control call that did not answer 2xx. */
export class SimControlError extends ScalerError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Minimal fetch signature (global fetch fits; a TLS-aware stand-in may be passed). */
export type FetchLike = (
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface PublishRequest {
  /** `orders`, `public/default/orders` or `persistent://public/default/orders`. */
  readonly topic: string;
  readonly count?: number;
  /** UTF-8 text of each message (default `message-<i>`). */
  readonly payload?: string;
  readonly key?: string;
}

/**
 * Typed client of the simulator's control API (`/_sim/...`), for tests, benchmarks and the demo.
 * Never authenticated; the admin request counter does not count these calls.
 */
export class SimControl {
  private readonly fetchFn: FetchLike;

  constructor(
    readonly baseUrl: string,
    options: { fetch?: FetchLike } = {},
  ) {
    this.fetchFn = options.fetch ?? ((url, init) => fetch(url, init));
  }

  /** Injects a failure for matching admin (and WebSocket upgrade) requests. */
  async faults(spec: FaultSpec): Promise<void> {
    await this.post("faults", spec);
  }

  /** Delays matching requests by `ms` (0 removes the rule). */
  async latency(ms: number, pathPattern?: string): Promise<void> {
    await this.post("latency", pathPattern === undefined ? { ms } : { ms, pathPattern });
  }

  /** normal | refuse (upgrades get 404) | drop (close open sessions now) | hang (sessions go silent). */
  async websocket(mode: "normal" | "refuse" | "drop" | "hang"): Promise<{ dropped?: number }> {
    return await this.post("websocket", { mode });
  }

  /**
   * Binary endpoint: normal | refuse (connections closed once accepted) | drop (close open
   * connections now) | hang (connections go silent: nothing read, answered or sent).
   */
  async binary(mode: "normal" | "refuse" | "drop" | "hang"): Promise<{ dropped?: number }> {
    return await this.post("binary", { mode });
  }

  /** The binary endpoint's mode, open connections, bytes hung ones discarded, auth challenges and refreshes. */
  async binaryState(): Promise<BinaryState> {
    return (await this.call("GET", "binary")) as unknown as BinaryState;
  }

  /** Matching topics (substring or /regex/) belong to the second broker: lookups elsewhere redirect there. */
  async binaryOwner(topicPattern: string): Promise<void> {
    await this.post("binary/owner", { topicPattern });
  }

  /** Proxy mode: lookups answer Connect with proxy_through_service_url (clients go through the service URL). */
  async binaryProxy(enabled: boolean): Promise<void> {
    await this.post("binary/proxy", { enabled });
  }

  /** Unloads a topic (every partition): CLOSE_CONSUMER/CLOSE_PRODUCER, next lookup ServiceNotReady once. */
  async unload(topic: string): Promise<{ closed: number }> {
    return (await this.post("binary/unload", { topic })) as { closed: number };
  }

  /** Admin requests for matching topics are redirected (307 by default) to `to`. */
  async redirect(spec: RedirectSpec): Promise<void> {
    await this.post("redirect", spec);
  }

  async requests(): Promise<RequestCounts> {
    return (await this.call("GET", "requests")) as unknown as RequestCounts;
  }

  async resetRequests(): Promise<void> {
    await this.post("requests/reset", {});
  }

  /** Clears faults, latency, redirects, the WebSocket and binary modes, owners and proxy mode. */
  async reset(): Promise<void> {
    await this.post("reset", {});
  }

  /** Publishes without a WebSocket (partitioned topics: round-robin over partitions). */
  async publish(req: PublishRequest): Promise<{ published: number; lastMessageId: string }> {
    return (await this.post("publish", req)) as { published: number; lastMessageId: string };
  }

  /** Acknowledges the oldest `count` messages of a subscription, as a consumer would. */
  async ack(topic: string, subscription: string, count: number): Promise<{ acked: number }> {
    return (await this.post("ack", { topic, subscription, count })) as { acked: number };
  }

  /** Runs the backlog-quota check now (like `pulsar-admin brokers backlog-quota-check`). */
  async backlogQuotaCheck(): Promise<void> {
    await this.post("backlog-quota-check", {});
  }

  private post(path: string, body: object): Promise<Record<string, unknown>> {
    return this.call("POST", path, body);
  }

  private async call(method: string, path: string, body?: object): Promise<Record<string, unknown>> {
    const res = await this.fetchFn(`${this.baseUrl}/_sim/${path}`, {
      method,
      ...(body !== undefined
        ? { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }
        : {}),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      /* reported below */
    }
    if (res.status < 200 || res.status >= 300) {
      throw new SimControlError(
        res.status,
        `simulator control ${method} ${path}: ${res.status} ${typeof parsed["error"] === "string" ? parsed["error"] : text}`,
      );
    }
    return parsed;
  }
}
