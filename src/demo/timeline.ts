/**
 * The demo's events, and how they are shown: one readable line each, or one JSON object per line
 * (`--json`, the same events with a `type` field and `t`, seconds since the demo was ready).
 */
export type DemoEvent =
  | {
      readonly type: "ready";
      readonly simPort: number;
      /** The simulator's binary endpoint (its WebSocket service is off). */
      readonly serviceUrl: string;
      readonly hubGrpcPort: number;
      readonly hubHttpPort: number;
      readonly sidecars: readonly string[];
      readonly startupMs: number;
      readonly logDir: string;
      /** The hub's status page, when it serves one. */
      readonly statusUrl?: string;
    }
  | {
      /** A chapter of the story (story.ts): `start` says what comes, `done` what was measured. */
      readonly type: "chapter";
      readonly index: number;
      readonly of: number;
      readonly state: "start" | "done";
      readonly text: string;
      readonly ms?: number;
    }
  | {
      readonly type: "story-summary";
      readonly chapters: readonly { readonly title: string; readonly ms: number; readonly detail: string }[];
    }
  | { readonly type: "publish"; readonly count: number }
  | {
      readonly type: "activation";
      /** From the first message of the burst to the push; undefined when no burst preceded it. */
      readonly latencyMs: number | undefined;
      readonly fromZero: boolean;
    }
  | {
      readonly type: "metrics";
      readonly backlog: number;
      readonly active: boolean;
      readonly replicas: number;
      readonly min: number;
      readonly max: number;
    }
  | { readonly type: "unavailable"; readonly code: string; readonly message: string }
  | {
      readonly type: "problem";
      readonly source: "publish" | "consumer" | "shutdown" | "story";
      readonly message: string;
    }
  | {
      readonly type: "scale";
      readonly from: number;
      readonly to: number;
      readonly reason: "activation" | "hpa" | "cooldown";
    }
  | { readonly type: "drained"; readonly backlog: number; readonly active: false }
  | { readonly type: "lease"; readonly key: string; readonly holder: string; readonly previous: string }
  | { readonly type: "sidecar-killed"; readonly name: string; readonly signal: string }
  | {
      readonly type: "child-exit";
      readonly name: string;
      readonly code: number | null;
      readonly signal: string | null;
    }
  | { readonly type: "stream"; readonly state: "open" | "end"; readonly detail: string }
  | { readonly type: "stopping"; readonly reason: string }
  | {
      readonly type: "summary";
      readonly durationS: number;
      readonly activations: number;
      readonly activationP50Ms: number | undefined;
      readonly activationMaxMs: number | undefined;
      readonly maxBacklog: number;
      readonly published: number;
      readonly acked: number;
    };

export type DemoEventType = DemoEvent["type"];

/** `cluster/persistent://t/ns/topic/subscription` -> `topic:subscription` for the readable view. */
export function shortKey(key: string): string {
  const parts = key.split("/");
  const sub = parts.at(-1);
  const topic = parts.at(-2);
  return sub !== undefined && topic !== undefined && parts.length >= 3 ? `key ${topic}:${sub}` : key;
}

const ms = (v: number | undefined): string => (v === undefined ? "n/a" : `${Math.round(v)} ms`);

/** The text of one event, without the time column. */
export function describe(e: DemoEvent): { label: string; text: string } {
  switch (e.type) {
    case "ready":
      return {
        label: "ready",
        text: `sim :${e.simPort} (arrivals over ${e.serviceUrl}, WebSocket off)  hub grpc :${e.hubGrpcPort} http :${e.hubHttpPort}  sidecars ${e.sidecars.join(",") || "none"}  (started in ${ms(e.startupMs)}; logs in ${e.logDir})${e.statusUrl ? `  status page ${e.statusUrl}` : ""}  Ctrl-C stops`,
      };
    case "chapter":
      return {
        label: e.state === "start" ? `STORY ${e.index}/${e.of}` : "  done",
        text: e.ms === undefined ? e.text : `${e.text} (${ms(e.ms)})`,
      };
    case "story-summary":
      return {
        label: "story",
        text: e.chapters.map((c) => `${c.title}: ${c.detail} in ${ms(c.ms)}`).join("; "),
      };
    case "publish":
      return { label: "publish", text: `burst of ${e.count} messages` };
    case "activation":
      return {
        label: "ACTIVATION",
        text: `pushed true${e.latencyMs === undefined ? "" : ` after ${ms(e.latencyMs)}`}${e.fromZero ? " (scaled from zero)" : ""}`,
      };
    case "metrics":
      return {
        label: "metrics",
        text: `backlog ${e.backlog}  active ${e.active}  -> replicas ${e.replicas} (min ${e.min}, max ${e.max})`,
      };
    case "unavailable":
      return { label: "unavailable", text: `${e.code}: ${e.message}` };
    case "problem":
      return { label: "problem", text: `${e.source}: ${e.message}` };
    case "scale":
      return { label: "scale", text: `replicas ${e.from} -> ${e.to} (${e.reason})` };
    case "drained":
      return { label: "drained", text: `backlog ${e.backlog}, IsActive false` };
    case "lease":
      return { label: "lease", text: `${shortKey(e.key)} held by ${e.holder} (was ${e.previous})` };
    case "sidecar-killed":
      return { label: "failover", text: `sidecar ${e.name} killed (${e.signal})` };
    case "child-exit":
      return { label: "exit", text: `${e.name} exited (${e.signal ?? `code ${e.code ?? "?"}`})` };
    case "stream":
      return { label: "stream", text: `StreamIsActive ${e.state}${e.detail ? `: ${e.detail}` : ""}` };
    case "stopping":
      return { label: "stopping", text: e.reason };
    case "summary":
      return {
        label: "summary",
        text: `${e.durationS.toFixed(1)} s: ${e.activations} activation${e.activations === 1 ? "" : "s"} (p50 ${ms(e.activationP50Ms)}, max ${ms(e.activationMaxMs)}), max backlog ${e.maxBacklog}, published ${e.published}, acked ${e.acked}`,
      };
  }
}

/** `+2.10s  publish      burst of 40 messages` */
export function formatText(tSeconds: number, e: DemoEvent): string {
  const { label, text } = describe(e);
  const time = `+${tSeconds.toFixed(2)}s`.padEnd(8);
  return `${time} ${label.padEnd(12)} ${text}`;
}

/** `{"t":2.1,"type":"publish","count":40,...}` (undefined fields are left out). */
export function formatJson(tSeconds: number, e: DemoEvent): string {
  return JSON.stringify({ t: Math.round(tSeconds * 1000) / 1000, ...e });
}

export type Emit = (e: DemoEvent) => void;

export interface Timeline {
  /** Writes an event; before `start` events are held back and written after the ready line. */
  readonly emit: Emit;
  /** t = 0 now: writes `ready`, then the events held back (at +0.00s). */
  start(ready: Extract<DemoEvent, { type: "ready" }>): void;
}

/** A timeline writing one line per event through `write`. */
export function createTimeline(opts: {
  readonly json: boolean;
  readonly now: () => number;
  readonly write: (line: string) => void;
}): Timeline {
  let zero: number | undefined;
  const held: DemoEvent[] = [];
  const write = (e: DemoEvent): void => {
    const t = Math.max(0, opts.now() - (zero ?? opts.now())) / 1000;
    opts.write(`${opts.json ? formatJson(t, e) : formatText(t, e)}\n`);
  };
  return {
    start(ready) {
      zero = opts.now();
      write(ready);
      for (const e of held.splice(0)) write(e);
    },
    emit(e) {
      if (zero === undefined) held.push(e);
      else write(e);
    },
  };
}

/** Median (lower middle) of a list, undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
