import { compilePattern, type Matcher } from "../model/pattern.js";

export const FAULT_KINDS = ["json", "text", "html401", "garbage", "hang", "drop"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One injected failure, as posted to `POST /_sim/faults`. */
export interface FaultSpec {
  /** Substring of the request path (with query), or `/regex/`. */
  readonly pathPattern: string;
  /** How many matching requests fail; -1 = until cleared. Default 1. */
  readonly count?: number;
  /** HTTP status (default 500; 401 for html401; 200 for garbage). */
  readonly status?: number;
  /** Default "json". */
  readonly kind?: FaultKind;
  readonly retryAfterSeconds?: number;
  /** json: a string becomes `{"reason": body}`, an object is sent as is; text/garbage: the body text. */
  readonly body?: unknown;
}

interface ActiveFault {
  readonly spec: FaultSpec;
  readonly match: Matcher;
  remaining: number;
}

/** Injected failures, consumed in the order they were added. */
export class FaultTable {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    this.faults.push({ spec, match: compilePattern(spec.pathPattern), remaining: spec.count ?? 1 });
  }

  /** The first fault matching `path`, counting one use of it. */
  take(path: string): FaultSpec | undefined {
    const f = this.faults.find((x) => x.match(path));
    if (!f) return undefined;
    if (f.remaining > 0) f.remaining--;
    if (f.remaining === 0) this.faults = this.faults.filter((x) => x !== f);
    return f.spec;
  }

  clear(): void {
    this.faults = [];
  }

  get size(): number {
    return this.faults.length;
  }
}

/** Added delay before answering matching requests (`POST /_sim/latency`). */
export class LatencyTable {
  private rules: { pattern: string; match: Matcher; ms: number }[] = [];

  /** Sets the delay for a pattern (none = every request); 0 removes the rule. */
  set(ms: number, pathPattern = ""): void {
    this.rules = this.rules.filter((r) => r.pattern !== pathPattern);
    if (ms > 0) this.rules.push({ pattern: pathPattern, match: compilePattern(pathPattern), ms });
  }

  delayFor(path: string): number {
    let ms = 0;
    for (const r of this.rules) if (r.match(path)) ms = Math.max(ms, r.ms);
    return ms;
  }

  clear(): void {
    this.rules = [];
  }
}

export interface RedirectSpec {
  /** Substring of the full topic name (`persistent://t/ns/x`), or `/regex/`. */
  readonly topicPattern: string;
  /** Base URL of the owner, e.g. `http://127.0.0.1:8081`. */
  readonly to: string;
  /** Default 307. */
  readonly status?: number;
}

/** Topics "owned" by another broker: admin requests for them get a redirect (`POST /_sim/redirect`). */
export class RedirectTable {
  private rules: { spec: RedirectSpec; match: Matcher }[] = [];

  add(spec: RedirectSpec): void {
    this.rules.push({ spec, match: compilePattern(spec.topicPattern) });
  }

  find(topic: string): RedirectSpec | undefined {
    return this.rules.find((r) => r.match(topic))?.spec;
  }

  clear(): void {
    this.rules = [];
  }
}

export interface RequestCounts {
  readonly total: number;
  readonly byPath: Record<string, number>;
  readonly byTopic: Record<string, number>;
}

/** Admin requests received (every one, whatever its outcome), by path and by topic. */
export class RequestCounter {
  private total = 0;
  private byPath = new Map<string, number>();
  private byTopic = new Map<string, number>();

  record(path: string, topic: string | undefined): void {
    this.total++;
    this.byPath.set(path, (this.byPath.get(path) ?? 0) + 1);
    if (topic !== undefined) this.byTopic.set(topic, (this.byTopic.get(topic) ?? 0) + 1);
  }

  snapshot(): RequestCounts {
    return {
      total: this.total,
      byPath: Object.fromEntries(this.byPath),
      byTopic: Object.fromEntries(this.byTopic),
    };
  }

  reset(): void {
    this.total = 0;
    this.byPath = new Map();
    this.byTopic = new Map();
  }
}

export type WebSocketMode = "normal" | "refuse" | "hang";

/** Everything the `/_sim` control API changes. */
export class ControlState {
  readonly faults = new FaultTable();
  readonly latency = new LatencyTable();
  readonly redirects = new RedirectTable();
  readonly requests = new RequestCounter();
  wsMode: WebSocketMode = "normal";

  /** `POST /_sim/reset`: faults, latency, redirects and WebSocket mode back to normal. */
  reset(): void {
    this.faults.clear();
    this.latency.clear();
    this.redirects.clear();
    this.wsMode = "normal";
  }
}
