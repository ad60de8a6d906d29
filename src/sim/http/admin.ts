import {
  SimBadRequestError,
  SimConflictError,
  SimNotFoundError,
  SimPreconditionError,
  SimRestError,
} from "../errors.js";
import type { Broker } from "../model/broker.js";
import { decodeMessageId } from "../model/message-id.js";
import { fullName, isDomain, topicNameOf, type Domain, type TopicName } from "../model/names.js";
import { partitionedStats } from "../model/partitioned-stats.js";
import { topicStats, type StatsOptions } from "../model/stats.js";
import type { StartPosition } from "../model/types.js";

export interface AdminRequest {
  readonly method: string;
  /** Path segments after `/admin/v2/`, URL-decoded. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly body: string;
}

export interface AdminResult {
  readonly status: number;
  /** JSON body; undefined means no body. */
  readonly body?: unknown;
}

/** What a topic-level admin path names, for counting, redirects and authorization. */
export interface TopicTarget {
  readonly name: TopicName;
  /** Pulsar's TopicOperation name, e.g. GET_STATS. */
  readonly operation: string;
}

const OPERATIONS: Record<string, string> = {
  stats: "GET_STATS",
  "partitioned-stats": "GET_STATS",
  partitions: "GET_METADATA",
  lastMessageId: "PEEK_MESSAGES",
  subscriptions: "GET_SUBSCRIPTIONS",
  subscription: "SUBSCRIBE",
  "": "LOOKUP",
};

/** The topic named by `/admin/v2/{domain}/{t}/{ns}/{topic}/...`, if the path is topic-level. */
export function topicTarget(segments: readonly string[], method: string): TopicTarget | undefined {
  const [domain, tenant, ns, topic, action] = segments;
  if (
    domain === undefined ||
    !isDomain(domain) ||
    tenant === undefined ||
    ns === undefined ||
    topic === undefined
  ) {
    return undefined;
  }
  if (segments.length === 4 && topic === "partitioned" && method === "GET") return undefined;
  try {
    const name = topicNameOf(domain, tenant, ns, topic);
    return { name, operation: OPERATIONS[action ?? ""] ?? (action ?? "").toUpperCase() };
  } catch {
    return undefined;
  }
}

function ok(body?: unknown): AdminResult {
  return body === undefined ? { status: 204 } : { status: 200, body };
}

function flag(q: URLSearchParams, name: string, dflt: boolean): boolean {
  const v = q.get(name);
  return v === null ? dflt : v.toLowerCase() === "true";
}

function parseCount(body: string): number {
  const n = Number(body.trim());
  if (body.trim() === "" || !Number.isInteger(n))
    throw new SimBadRequestError("Number of partitions should be an integer");
  return n;
}

/** Body of PUT subscription: a MessageId `{ledgerId, entryId}`, or `?messageId=earliest|latest`. */
function startOf(body: string, q: URLSearchParams): StartPosition {
  const param = q.get("messageId");
  if (param === "earliest" || param === "latest") return param;
  if (body.trim() === "") return "latest";
  try {
    const parsed = JSON.parse(body) as { entryId?: unknown; ledgerId?: unknown };
    if (typeof parsed.entryId === "number" && parsed.entryId >= 0)
      return { afterEntryId: parsed.entryId - 1 };
    if (parsed.ledgerId === 0 && parsed.entryId === 0) return "earliest";
  } catch {
    const id = decodeMessageId(body.trim());
    return { afterEntryId: id.entryId - 1 };
  }
  return "latest";
}

/** The admin REST resources the simulator serves. Model errors propagate as SimRestError. */
export class AdminRoutes {
  constructor(
    private readonly broker: Broker,
    private readonly brokerName: () => string,
  ) {}

  handle(req: AdminRequest): AdminResult {
    const s = req.segments;
    const m = req.method;
    if (s[0] === "tenants") return this.tenants(m, s);
    if (s[0] === "namespaces") return this.namespaces(m, s);
    const [domain, tenant, ns, topic, action, sub, subAction] = s;
    if (domain === undefined || !isDomain(domain) || tenant === undefined || ns === undefined) {
      throw new SimNotFoundError("HTTP 404 Not Found");
    }
    if (topic === undefined && m === "GET") return ok(this.broker.listTopics(domain, tenant, ns));
    if (topic === "partitioned" && action === undefined && m === "GET") {
      return ok(this.broker.listPartitioned(domain, tenant, ns));
    }
    if (topic === undefined) throw new SimRestError(405, "HTTP 405 Method Not Allowed");
    const name = topicNameOf(domain, tenant, ns, topic);
    return this.topic(req, domain, name, action, sub, subAction);
  }

  private topic(
    req: AdminRequest,
    _domain: Domain,
    name: TopicName,
    action: string | undefined,
    sub: string | undefined,
    subAction: string | undefined,
  ): AdminResult {
    const b = this.broker;
    const m = req.method;
    const key = `${m} ${action ?? ""}${sub !== undefined ? "/:sub" : ""}${subAction !== undefined ? `/${subAction}` : ""}`;
    switch (key) {
      case "PUT ":
        b.createNonPartitioned(name);
        return ok();
      case "DELETE ":
        b.deleteTopic(name);
        return ok();
      case "GET stats":
        return ok(topicStats(b.requireTopic(name), this.statsOptions(req.query)));
      case "GET partitioned-stats": {
        // The broker checks the name before anything else (validatePartitionedTopicName).
        if (name.local.includes("-partition-"))
          throw new SimPreconditionError("Partitioned Topic Name should not contain '-partition-'");
        b.requireNamespace(name);
        const n = b.partitionCount(name);
        if (!n) throw new SimNotFoundError(`Partitioned Topic ${fullName(name)} not found`);
        return ok(
          partitionedStats(
            b.resolve(name),
            this.statsOptions(req.query),
            flag(req.query, "perPartition", true),
          ),
        );
      }
      case "GET lastMessageId": {
        // MessageIdImpl as the broker serialises it; entryId -1 while the topic is empty.
        const t = b.requireTopic(name);
        return ok({ ledgerId: t.ledgerId, entryId: t.end() - 1, partitionIndex: t.partitionIndex });
      }
      case "GET partitions": {
        b.requireNamespace(name);
        const n = b.partitionCount(name);
        if (n === undefined) throw new SimNotFoundError(`Topic ${fullName(name)} not found`);
        return ok({ partitions: n });
      }
      case "PUT partitions":
        b.createPartitioned(name, parseCount(req.body));
        return ok();
      case "POST partitions":
        b.updatePartitions(name, parseCount(req.body));
        return ok();
      case "DELETE partitions":
        b.deletePartitioned(name);
        return ok();
      case "GET subscriptions": {
        const names = new Set<string>();
        for (const t of b.resolve(name)) for (const s of t.subscriptions.keys()) names.add(s);
        return ok([...names]);
      }
      case "PUT subscription/:sub":
        return this.createSubscription(name, sub ?? "", req);
      case "DELETE subscription/:sub":
        return this.deleteSubscription(name, sub ?? "", flag(req.query, "force", false));
      case "POST subscription/:sub/skip_all":
        for (const t of b.resolve(name))
          this.requireSubscription(t.subscriptions, sub ?? "", name).clearBacklog();
        return ok();
      default:
        throw new SimNotFoundError("HTTP 404 Not Found");
    }
  }

  private createSubscription(name: TopicName, sub: string, req: AdminRequest): AdminResult {
    if (sub === "") throw new SimPreconditionError("Subscription name is not valid");
    const topics = this.broker.resolveOrCreate(name);
    if (topics.some((t) => t.subscriptions.has(sub)))
      throw new SimConflictError("Subscription already exists for topic");
    const start = startOf(req.body, req.query);
    for (const t of topics) t.subscription(sub, "Exclusive", true, start);
    return ok();
  }

  private deleteSubscription(name: TopicName, sub: string, force: boolean): AdminResult {
    const topics = this.broker.resolve(name);
    const subs = topics.map((t) => this.requireSubscription(t.subscriptions, sub, name));
    if (!force && subs.some((s) => s.consumers.size > 0)) {
      throw new SimPreconditionError("Subscription has active connected consumers");
    }
    for (const t of topics) {
      const s = t.subscriptions.get(sub);
      if (s) for (const id of [...s.consumers.keys()]) s.removeConsumer(id);
      t.deleteSubscription(sub);
    }
    return ok();
  }

  private requireSubscription<T>(subs: ReadonlyMap<string, T>, sub: string, name: TopicName): T {
    const s = subs.get(sub);
    if (!s) throw new SimNotFoundError(`Subscription ${sub} not found for topic ${fullName(name)}`);
    return s;
  }

  private tenants(m: string, s: readonly string[]): AdminResult {
    if (s.length === 1 && m === "GET") return ok(this.broker.tenantList());
    if (s.length === 2 && m === "PUT") {
      this.broker.createTenant(s[1] ?? "");
      return ok();
    }
    if (s.length === 2 && m === "GET") {
      if (!this.broker.tenantList().includes(s[1] ?? "")) throw new SimNotFoundError("Tenant does not exist");
      return ok({ adminRoles: [], allowedClusters: ["standalone"] });
    }
    throw new SimNotFoundError("HTTP 404 Not Found");
  }

  private namespaces(m: string, s: readonly string[]): AdminResult {
    const [, tenant, ns] = s;
    if (s.length === 2 && m === "GET") return ok(this.broker.namespaceList(tenant ?? ""));
    if (s.length === 3 && m === "PUT") {
      this.broker.createNamespace(tenant ?? "", ns ?? "");
      return ok();
    }
    if (s.length === 3 && m === "GET") {
      if (!this.broker.hasNamespace(tenant ?? "", ns ?? ""))
        throw new SimNotFoundError("Namespace does not exist");
      return ok({ bundles: { boundaries: ["0x00000000", "0xffffffff"], numBundles: 1 } });
    }
    throw new SimNotFoundError("HTTP 404 Not Found");
  }

  private statsOptions(q: URLSearchParams): StatsOptions {
    return {
      subscriptionBacklogSize: flag(q, "subscriptionBacklogSize", true),
      getEarliestTimeInBacklog: flag(q, "getEarliestTimeInBacklog", false),
      brokerName: this.brokerName(),
      now: this.broker.clock.now(),
      backlogQuotaCheck: this.broker.backlogQuotaCheck,
    };
  }
}
