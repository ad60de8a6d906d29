import { metricSpecOf, metricValueOf } from "../keda/answers.js";
import { MetadataError, parseTriggerMetadata } from "../keda/metadata.js";
import type { TriggerSpec } from "../keda/trigger.js";
import type { ClusterConfig } from "../pulsar/cluster.js";
import {
  PulsarError,
  SubscriptionNotFoundError,
  TopicNotFoundError,
  chooseTransport,
  subscriptionOf,
  topicToString,
  type AdminClient,
  type ArrivalSource,
  type SubscriptionSnapshot,
  type TransportChoice,
} from "../pulsar/index.js";
import { NoFreshDataError, notObserved } from "../state/errors.js";
import { metricOf, observationActive } from "../state/key-state.js";
import type { Observation } from "../state/observation.js";
import { toObservation } from "../watch/watcher.js";
import { askWebSocket } from "./arrivals-probe.js";
import { hintFor } from "./hints.js";
import { replicasFor, verdictFor, type Report, type ReportSource } from "./report.js";
import { likelyTypos } from "./typos.js";

/** The admin reads check needs (AdminClient fits; tests may pass a fake). */
export type StatsReads = Pick<AdminClient, "topicStats" | "partitions" | "subscriptions">;

export interface InspectInput {
  readonly metadata: Readonly<Record<string, string>>;
  readonly clusters: readonly ClusterConfig[];
  readonly source: ReportSource;
  readonly notes: readonly string[];
  readonly minReplicas: number | undefined;
  readonly maxReplicas: number | undefined;
}

export interface InspectDeps {
  /**
   * Opens the admin client and the ArrivalSource of a configured cluster (createPulsarAccess
   * builds the one chooseTransport names); check closes them after its reads.
   */
  open(cluster: ClusterConfig): {
    readonly stats: StatsReads;
    readonly arrivals: ArrivalSource;
    close(): Promise<void>;
  };
}

interface Partitioning {
  partitioned: boolean;
  partitions: number;
  determinedBy: "metadata" | "detected";
}

/**
 * GetMetrics's and IsActive's answers from one observation, by the hub's own rule: the metric the
 * trigger chose (metricOf) and the key's activation under the trigger's rule (observationActive),
 * with no arrival pending, since check reads once.
 */
function readingOf(spec: TriggerSpec, obs: Observation) {
  const value = metricOf(obs, spec.activation.metric);
  // The hub's read fails the same way (src/state/key-table.ts): no number it did not observe.
  if (value === undefined) throw notObserved(spec.key, spec.metric);
  const isActive = observationActive(obs, spec.activation);
  return { value, isActive, answer: metricValueOf(spec, value) };
}

function attemptReading(spec: TriggerSpec, obs: Observation) {
  try {
    return readingOf(spec, obs);
  } catch (err) {
    if (err instanceof NoFreshDataError) return err;
    throw err;
  }
}

/** Reads, after a failure, what helps explain it; a second failure only means less detail. */
async function attempt<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

/** The report with `ok` and the verdict first (they lead the JSON too). */
function finish(ok: boolean, body: Omit<Report, "ok" | "verdict">): Report {
  return { ok, verdict: verdictFor(body), ...body };
}

function triggerPart(
  spec: TriggerSpec,
  cluster: ClusterConfig | undefined,
): Pick<Report, "cluster" | "trigger" | "metricSpec"> {
  const t = spec.msgBacklogThreshold;
  return {
    cluster: { name: spec.cluster, adminUrl: cluster?.adminUrl ?? "", auth: cluster?.auth.kind ?? "none" },
    trigger: {
      topic: topicToString(spec.topic),
      subscription: spec.subscription,
      metric: spec.metric,
      msgBacklogThreshold: t,
      activationMsgBacklogThreshold: spec.activationMsgBacklogThreshold,
      isPartitionedTopic: spec.isPartitionedTopic ?? null,
    },
    metricSpec: metricSpecOf(spec),
  };
}

/** The transport of the key's arrivals, for the report: url null for polling. */
function arrivalsPart(c: TransportChoice): NonNullable<Report["arrivals"]> {
  return { transport: c.transport, url: c.url ?? null, why: c.why };
}

function subscriptionPart(name: string, s: SubscriptionSnapshot): NonNullable<Report["subscription"]> {
  return {
    name,
    type: s.type ?? null,
    msgBacklog: s.msgBacklog,
    msgBacklogNoDelayed: s.msgBacklogNoDelayed,
    unackedMessages: s.unackedMessages,
    consumers: s.consumers,
    msgRateOut: s.msgRateOut,
  };
}

/**
 * Parses the metadata as the hub does, reads Pulsar once (partitions when not given, the stats, and
 * on a failure what explains it) and returns the Report: what the hub would answer, and why.
 */
export async function inspect(input: InspectInput, deps: InspectDeps): Promise<Report> {
  const typos = likelyTypos(Object.keys(input.metadata));
  const base = { source: input.source, notes: [...input.notes], ...(typos.length > 0 && { typos }) };
  let spec: TriggerSpec;
  try {
    spec = parseTriggerMetadata(input.metadata, input.clusters);
  } catch (err) {
    if (!(err instanceof MetadataError)) throw err;
    const h = hintFor(err, { clusters: input.clusters, typos });
    const error = { class: err.name, message: err.message, ...h };
    return finish(false, { ...base, error });
  }
  const cluster = input.clusters.find((c) => c.name === spec.cluster);
  const known = triggerPart(spec, cluster);
  if (!cluster) throw new Error(`cluster ${spec.cluster} resolved but not configured`);
  const opened = deps.open(cluster);
  const stats = opened.stats;
  let part: Partitioning | undefined;
  try {
    // The watcher's read and reading (src/watch/watcher.ts): with isPartitionedTopic absent the
    // admin client asks /partitions first, as it does for the hub.
    const given = spec.isPartitionedTopic;
    // The age's costly field only for an age trigger; its age counts from the request's start.
    const startedAt = Date.now();
    const snap = await stats.topicStats(spec.topic, given, {
      earliestTimeInBacklog: spec.metric === "backlogAgeSeconds",
    });
    part = {
      partitioned: given ?? snap.partitions > 0,
      partitions: snap.partitions,
      determinedBy: given === undefined ? "detected" : "metadata",
    };
    const obs = toObservation(snap, spec.subscription, startedAt);
    const sub = subscriptionPart(spec.subscription, subscriptionOf(snap, spec.subscription));
    // Asked last, once the reads succeeded: the topic exists (a reader asked about it creates
    // nothing), and no subscription list of this run shows the reader.
    const ws =
      chooseTransport(cluster).source === "websocket"
        ? await askWebSocket(opened.arrivals, spec.topic, snap.partitions)
        : undefined;
    const arrivals = arrivalsPart(chooseTransport(cluster, ws));
    const reading = attemptReading(spec, obs);
    if (reading instanceof NoFreshDataError) {
      const error = {
        class: reading.name,
        message: reading.message,
        title: `the stats carry no ${spec.metric}`,
        hint: "msgBacklogBytes needs backlogSize, backlogAgeSeconds earliestMsgPublishTimeInBacklog (Pulsar 2.10.0 or later); msgBacklog works with any broker",
        grpcCode: "UNAVAILABLE" as const,
      };
      return finish(false, { ...base, ...known, topic: part, subscription: sub, arrivals, error });
    }
    const { value, isActive, answer } = reading;
    const replicas = replicasFor(
      value,
      spec.msgBacklogThreshold,
      isActive,
      input.minReplicas,
      input.maxReplicas,
    );
    if (replicas.desired > 1 && (sub.type === "Exclusive" || sub.type === "Failover")) {
      base.notes.push(
        `subscription type ${sub.type}: only one consumer receives messages, so extra replicas stay idle; use Shared or Key_Shared`,
      );
    }
    return finish(typos.length === 0, {
      ...base,
      ...known,
      topic: part,
      arrivals,
      subscription: sub,
      metricValue: { metricValue: answer.metricValue, metricValueFloat: answer.metricValueFloat },
      isActive,
      replicas,
    });
  } catch (err) {
    if (!(err instanceof PulsarError)) throw err;
    const subscriptions =
      err instanceof SubscriptionNotFoundError
        ? await attempt(() => stats.subscriptions(spec.topic))
        : undefined;
    const partitionsFound =
      err instanceof TopicNotFoundError && spec.isPartitionedTopic !== undefined
        ? await attempt(() => stats.partitions(spec.topic))
        : undefined;
    const h = hintFor(err, { clusters: input.clusters, spec, subscriptions, partitionsFound, typos });
    const error = { class: err.name, message: err.message, ...h, ...(subscriptions && { subscriptions }) };
    // Not asked: the WebSocket service's answer is unknown.
    const arrivals = arrivalsPart(chooseTransport(cluster));
    return finish(false, { ...base, ...known, ...(part && { topic: part }), arrivals, error });
  } finally {
    await opened.close();
  }
}
