import { scrubText } from "../../pulsar/safe-url.js";
import type { ActivationRule, MetricKind, WatchKey } from "../../state/key.js";
import { metricOf, ruleId, type KeyReport } from "../../state/key-state.js";
import type { ActivationRecord } from "./activation-log.js";
import type { SidecarInfo } from "../lease-stats.js";

/** Keys per page of /status.json (`?page=`): the page's cost stays bounded however many keys. */
export const STATUS_PAGE_SIZE = 200;

/** At a glance, why a consumer is or is not scaled. */
export type Verdict = "active" | "inactive" | "stale" | "unavailable" | "waiting" | "no-lease";

/** Everything the status page is built from: a snapshot of the hub's state (status-source.ts). */
export interface StatusInput {
  readonly now: number;
  readonly stalenessMs: number;
  readonly gatewayOn: boolean;
  /** Cluster name -> admin URL, already passed through safeUrl. */
  readonly clusters: Readonly<Record<string, string>>;
  /** Cluster name -> the arrival transport its access builds (binary, websocket, polling). */
  readonly transports: Readonly<Record<string, string>>;
  readonly keys: readonly KeyReport[];
  /** "hub", a sidecar session id, or undefined (none yet). */
  readonly holderOf: (key: WatchKey) => string | undefined;
  readonly sidecars: readonly SidecarInfo[];
  readonly activations: readonly ActivationRecord[];
}

export interface StatusKey {
  readonly id: string;
  readonly cluster: string;
  readonly adminUrl: string | undefined;
  readonly topic: string;
  readonly subscription: string;
  readonly backlog: number | undefined;
  readonly backlogNoDelayed: number | undefined;
  readonly consumers: number | undefined;
  readonly active: boolean;
  readonly verdict: Verdict;
  /** One sentence: why the verdict. */
  readonly why: string;
  /** The arrival transport of the key's cluster: binary, websocket or polling. */
  readonly transport: string | undefined;
  /** The arrival reader's state: connected, disconnected, unavailable, or undefined (none yet). */
  readonly arrivals: string | undefined;
  readonly holder: { readonly kind: "sidecar" | "hub" | "none"; readonly pod?: string };
  readonly observationAgeMs: number | undefined;
  readonly lastArrivalAgeMs: number | undefined;
  readonly lastError: { readonly name: string; readonly message: string; readonly ageMs: number } | undefined;
  readonly scaledObjects: readonly {
    readonly namespace: string;
    readonly name: string;
    readonly rule: string;
  }[];
  readonly streams: number;
}

export interface StatusJson {
  readonly generatedAt: number;
  readonly page: number;
  readonly pages: number;
  readonly pageSize: number;
  readonly totalKeys: number;
  /** Keys by verdict, over every key (not just this page). */
  readonly counts: Readonly<Record<Verdict, number>>;
  readonly gatewayOn: boolean;
  readonly keys: readonly StatusKey[];
  readonly activations: readonly (ActivationRecord & { readonly ageMs: number })[];
  readonly sidecars: readonly SidecarInfo[];
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * The verdict of a key, first match wins: no observation (waiting, or unavailable with an error),
 * a stale observation (KEDA is told UNAVAILABLE), nobody holding its lease, then active or not by
 * its rules (an arrival newer than the observation makes it active whatever the numbers).
 */
export function verdictOf(
  k: KeyReport,
  holder: string | undefined,
  stalenessMs: number,
): { verdict: Verdict; why: string; active: boolean } {
  const pending =
    k.lastArrivalAt !== undefined &&
    (k.observation === undefined || k.lastArrivalAt > k.observation.observedAt);
  const rules = k.users.map((u) => u.rule);
  const active = pending || rules.some((r) => above(k, r));
  const err = k.lastError ? `${k.lastError.name}: ${scrubText(k.lastError.message)}` : undefined;
  if (k.observation === undefined) {
    if (err) return { verdict: "unavailable", why: `no observation yet; last error ${err}`, active };
    return { verdict: "waiting", why: "waiting for the first observation", active };
  }
  if (!k.fresh) {
    const age = seconds(k.observationAgeMs ?? 0);
    const tail = err ? `; last error ${err}` : "";
    return {
      verdict: err && (k.lastError?.at ?? 0) >= k.observation.observedAt ? "unavailable" : "stale",
      why: `newest observation is ${age} old (limit ${seconds(stalenessMs)}): KEDA is told UNAVAILABLE${tail}`,
      active,
    };
  }
  if (holder === undefined) {
    return {
      verdict: "no-lease",
      why: "no watcher holds the lease (a hand-over waits for its first observation)",
      active,
    };
  }
  if (pending) return { verdict: "active", why: "a message arrived after the newest observation", active };
  const hit = k.users.find((u) => above(k, u.rule));
  if (hit) {
    return {
      verdict: "active",
      why: `${hit.rule.metric} ${valueOf(k, hit.rule.metric) ?? "-"} > ${hit.rule.threshold}`,
      active,
    };
  }
  const first = rules[0];
  const detail = first
    ? `${first.metric} ${valueOf(k, first.metric) ?? "-"} <= ${first.threshold}`
    : "no rule in use";
  return { verdict: "inactive", why: `below the activation threshold: ${detail}`, active };
}

/** The key's value of a metric: undefined without an observation or when the read lacked it. */
function valueOf(k: KeyReport, metric: MetricKind): number | undefined {
  return k.observation === undefined ? undefined : metricOf(k.observation, metric);
}

function above(k: KeyReport, rule: ActivationRule): boolean {
  const v = valueOf(k, rule.metric);
  return v !== undefined && v > rule.threshold;
}

function statusKey(input: StatusInput, k: KeyReport): StatusKey {
  const holder = input.holderOf(k.key);
  const pod =
    holder === undefined || holder === "hub" ? undefined : input.sidecars.find((s) => s.id === holder)?.pod;
  const v = verdictOf(k, holder, input.stalenessMs);
  return {
    id: k.id,
    cluster: k.key.cluster,
    adminUrl: input.clusters[k.key.cluster],
    topic: k.key.topic,
    subscription: k.key.subscription,
    backlog: k.observation?.msgBacklog,
    backlogNoDelayed: k.observation?.msgBacklogNoDelayed,
    consumers: k.observation?.consumers,
    ...v,
    transport: input.transports[k.key.cluster],
    arrivals: k.arrivals,
    holder:
      holder === undefined
        ? { kind: "none" }
        : holder === "hub"
          ? { kind: "hub" }
          : { kind: "sidecar", pod: pod ?? holder },
    observationAgeMs: k.observationAgeMs,
    lastArrivalAgeMs: k.lastArrivalAt === undefined ? undefined : input.now - k.lastArrivalAt,
    lastError: k.lastError && {
      name: k.lastError.name,
      message: scrubText(k.lastError.message),
      ageMs: input.now - k.lastError.at,
    },
    scaledObjects: k.users.map((u) => ({ namespace: u.so.namespace, name: u.so.name, rule: ruleId(u.rule) })),
    streams: k.streams,
  };
}

/** /status.json: a pure function of the hub's state and the page asked for (1-based, clamped). */
export function statusModel(input: StatusInput, page = 1): StatusJson {
  const sorted = [...input.keys].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const pages = Math.max(1, Math.ceil(sorted.length / STATUS_PAGE_SIZE));
  const p = Math.min(Math.max(1, Math.floor(Number.isFinite(page) ? page : 1)), pages);
  const counts: Record<Verdict, number> = {
    active: 0,
    inactive: 0,
    stale: 0,
    unavailable: 0,
    waiting: 0,
    "no-lease": 0,
  };
  for (const k of sorted) counts[verdictOf(k, input.holderOf(k.key), input.stalenessMs).verdict]++;
  const slice = sorted.slice((p - 1) * STATUS_PAGE_SIZE, p * STATUS_PAGE_SIZE);
  return {
    generatedAt: input.now,
    page: p,
    pages,
    pageSize: STATUS_PAGE_SIZE,
    totalKeys: sorted.length,
    counts,
    gatewayOn: input.gatewayOn,
    keys: slice.map((k) => statusKey(input, k)),
    activations: input.activations.map((a) => ({ ...a, ageMs: input.now - a.at })),
    sidecars: input.sidecars,
  };
}
