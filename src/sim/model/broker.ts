import type { Clock } from "../../lib/clock.js";
import { BacklogQuotaCheck } from "./backlog-quota-check.js";
import { SimBadRequestError, SimConflictError, SimNotFoundError, SimPreconditionError } from "../errors.js";
import {
  fullName,
  isValidEntityName,
  namespaceKey,
  partitionOf,
  partitionTopic,
  type Domain,
  type TopicName,
} from "./names.js";
import { Topic } from "./topic.js";
import type { SubscriptionType } from "./types.js";

export interface BrokerOptions {
  readonly clock: Clock;
  readonly statsWindowMs: number;
  /** Interval of the backlog-quota check; 0 keeps oldestBacklogMessageAgeSeconds current. Default 60000. */
  readonly backlogQuotaCheckMs?: number;
}

export function topicNotFound(name: string): SimNotFoundError {
  return new SimNotFoundError(`Topic ${name} not found`);
}

/**
 * The broker's metadata and topics: tenants and namespaces (`public/default` exists), partitioned
 * topic metadata, and every topic or partition. Pure bookkeeping: no I/O.
 */
export class Broker {
  private readonly tenants = new Map<string, Set<string>>([["public", new Set(["default"])]]);
  private readonly partitioned = new Map<string, number>();
  private readonly topics = new Map<string, Topic>();
  private ledgerSeq = 100;
  private idSeq = 0;

  /** The oldest-backlog cache that oldestBacklogMessageAgeSeconds reads. */
  readonly backlogQuotaCheck: BacklogQuotaCheck;

  constructor(readonly opts: BrokerOptions) {
    this.backlogQuotaCheck = new BacklogQuotaCheck(opts.clock, opts.backlogQuotaCheckMs ?? 60_000, () =>
      this.topics.values(),
    );
  }

  get clock(): Clock {
    return this.opts.clock;
  }

  /** Process-unique ids for consumers and producers. */
  nextId(): number {
    return ++this.idSeq;
  }

  tenantList(): string[] {
    return [...this.tenants.keys()];
  }

  createTenant(tenant: string): void {
    if (!isValidEntityName(tenant)) throw new SimPreconditionError("Tenant name is not valid");
    if (this.tenants.has(tenant)) throw new SimConflictError("Tenant already exists");
    this.tenants.set(tenant, new Set());
  }

  namespaceList(tenant: string): string[] {
    const set = this.tenants.get(tenant);
    if (!set) throw new SimNotFoundError("Tenant does not exist");
    return [...set].map((ns) => namespaceKey(tenant, ns));
  }

  createNamespace(tenant: string, ns: string): void {
    if (!isValidEntityName(tenant) || !isValidEntityName(ns)) {
      throw new SimPreconditionError("Tenant name or namespace is not valid");
    }
    const set = this.tenants.get(tenant);
    if (!set) throw new SimNotFoundError("Tenant does not exist");
    if (set.has(ns)) throw new SimConflictError("Namespace already exists");
    set.add(ns);
  }

  hasNamespace(tenant: string, ns: string): boolean {
    return this.tenants.get(tenant)?.has(ns) ?? false;
  }

  requireNamespace(name: TopicName): void {
    if (!this.hasNamespace(name.tenant, name.namespace)) throw new SimNotFoundError("Namespace not found");
  }

  /** N for a partitioned topic, 0 for an existing non-partitioned one, undefined when missing. */
  partitionCount(name: TopicName): number | undefined {
    const n = this.partitioned.get(fullName(name));
    if (n !== undefined) return n;
    return this.topics.has(fullName(name)) ? 0 : undefined;
  }

  topic(name: TopicName): Topic | undefined {
    return this.topics.get(fullName(name));
  }

  /** The non-partitioned topic (or partition) itself; 404 for missing names and partitioned base names. */
  requireTopic(name: TopicName): Topic {
    this.requireNamespace(name);
    const t = this.topics.get(fullName(name));
    if (!t) throw topicNotFound(fullName(name));
    return t;
  }

  /** Partitions of a partitioned topic, else the topic itself (404 when missing). */
  resolve(name: TopicName): Topic[] {
    this.requireNamespace(name);
    const n = this.partitioned.get(fullName(name));
    if (n !== undefined) return this.partitionsOf(name, n);
    return [this.requireTopic(name)];
  }

  /** Like resolve, but creates a missing non-partitioned topic (auto-creation as in standalone). */
  resolveOrCreate(name: TopicName): Topic[] {
    this.requireNamespace(name);
    const n = this.partitioned.get(fullName(name));
    if (n !== undefined) return this.partitionsOf(name, n);
    return [this.topics.get(fullName(name)) ?? this.addTopic(name)];
  }

  createNonPartitioned(name: TopicName): Topic {
    this.requireNamespace(name);
    if (this.partitionCount(name) !== undefined) throw new SimConflictError("This topic already exists");
    return this.addTopic(name);
  }

  createPartitioned(name: TopicName, partitions: number): void {
    this.requireNamespace(name);
    if (!Number.isInteger(partitions) || partitions <= 0) {
      throw new SimBadRequestError("Number of partitions should be more than 0", 406);
    }
    if (partitionOf(name))
      throw new SimPreconditionError("Partitioned Topic Name should not contain '-partition-'");
    if (this.partitionCount(name) !== undefined) throw new SimConflictError("This topic already exists");
    this.partitioned.set(fullName(name), partitions);
    this.partitionsOf(name, partitions);
  }

  /**
   * Adds partitions. As PersistentTopicsBase does, the subscriptions of the existing partitions are
   * created on the new ones from latest (durable ones: a reader's goes with its reader).
   */
  updatePartitions(name: TopicName, partitions: number): void {
    const current = this.partitioned.get(fullName(name));
    if (current === undefined) throw new SimNotFoundError(`Partitioned Topic ${fullName(name)} not found`);
    if (!Number.isInteger(partitions) || partitions <= current) {
      throw new SimPreconditionError(
        "Number of new partitions must be greater than existing number of partitions",
      );
    }
    const subs = new Map<string, SubscriptionType>();
    for (const t of this.partitionsOf(name, current)) {
      for (const s of t.subscriptions.values()) if (s.durable && !subs.has(s.name)) subs.set(s.name, s.type);
    }
    this.partitioned.set(fullName(name), partitions);
    for (const t of this.partitionsOf(name, partitions).slice(current)) {
      for (const [sub, type] of subs) t.subscription(sub, type, true, "latest");
    }
  }

  deleteTopic(name: TopicName): void {
    const t = this.requireTopic(name);
    this.checkIdle([t]);
    t.close();
    this.topics.delete(t.fullName);
  }

  deletePartitioned(name: TopicName): void {
    const n = this.partitioned.get(fullName(name));
    if (n === undefined) throw new SimNotFoundError(`Partitioned Topic ${fullName(name)} not found`);
    const parts = this.partitionsOf(name, n);
    this.checkIdle(parts);
    for (const t of parts) {
      t.close();
      this.topics.delete(t.fullName);
    }
    this.partitioned.delete(fullName(name));
  }

  listTopics(domain: Domain, tenant: string, ns: string): string[] {
    this.requireListedNamespace(tenant, ns);
    return [...this.topics.values()]
      .filter((t) => t.name.domain === domain && t.name.tenant === tenant && t.name.namespace === ns)
      .map((t) => t.fullName);
  }

  listPartitioned(domain: Domain, tenant: string, ns: string): string[] {
    this.requireListedNamespace(tenant, ns);
    const prefix = `${domain}://${tenant}/${ns}/`;
    return [...this.partitioned.keys()].filter((k) => k.startsWith(prefix));
  }

  close(): void {
    this.backlogQuotaCheck.close();
    for (const t of this.topics.values()) t.close();
  }

  private requireListedNamespace(tenant: string, ns: string): void {
    if (!isValidEntityName(tenant) || !isValidEntityName(ns)) {
      throw new SimPreconditionError("Tenant name or namespace is not valid");
    }
    if (!this.hasNamespace(tenant, ns)) throw new SimNotFoundError("Namespace does not exist");
  }

  private checkIdle(topics: readonly Topic[]): void {
    for (const t of topics) {
      const busy = t.producers.size > 0 || [...t.subscriptions.values()].some((s) => s.consumers.size > 0);
      if (busy) throw new SimPreconditionError("Topic has active producers/subscriptions");
    }
  }

  private partitionsOf(base: TopicName, n: number): Topic[] {
    const out: Topic[] = [];
    for (let i = 0; i < n; i++) {
      const p = partitionTopic(base, i);
      out.push(this.topics.get(fullName(p)) ?? this.addTopic(p));
    }
    return out;
  }

  private addTopic(name: TopicName): Topic {
    const t = new Topic(name, {
      clock: this.opts.clock,
      windowMs: this.opts.statsWindowMs,
      ledgerId: this.ledgerSeq++,
      partitionIndex: partitionOf(name)?.index ?? -1,
    });
    this.topics.set(t.fullName, t);
    return t;
  }
}
