import { compilePattern, type Matcher } from "../model/pattern.js";

/** One simulated broker of the binary endpoint: its own listener and address. */
export interface SimBroker {
  /** 0 = the broker behind the service URL, 1 = the second broker. */
  readonly index: 0 | 1;
  /** `host:port`, as CONNECT.proxy_to_broker_url names a broker. */
  readonly hostPort: string;
  /** `pulsar://host:port` or `pulsar+ssl://host:port`. */
  readonly url: string;
}

/**
 * Which simulated broker owns which topic, whether lookups send clients through the service URL
 * (proxy mode), and the topics just unloaded (their next lookup says ServiceNotReady once, as a
 * broker does while a bundle moves). Changed through `/_sim/binary/...`.
 */
export class BrokerRouting {
  private owners: { pattern: string; match: Matcher }[] = [];
  private readonly unloading = new Set<string>();
  proxy = false;

  constructor(readonly brokers: readonly [SimBroker, SimBroker]) {}

  /** Topics matching `topicPattern` (substring or /regex/) are owned by the second broker. */
  addSecondOwner(topicPattern: string): void {
    this.owners.push({ pattern: topicPattern, match: compilePattern(topicPattern) });
  }

  /** The owner of a topic or partition (a partition's base name decides, so partitions stay together). */
  owner(topic: string): SimBroker {
    return this.owners.some((o) => o.match(topic)) ? this.brokers[1] : this.brokers[0];
  }

  byHostPort(hostPort: string): SimBroker | undefined {
    return this.brokers.find((b) => b.hostPort === hostPort);
  }

  markUnloaded(topic: string): void {
    this.unloading.add(topic);
  }

  /** True once after `markUnloaded(topic)`. */
  takeUnloaded(topic: string): boolean {
    return this.unloading.delete(topic);
  }

  reset(): void {
    this.owners = [];
    this.unloading.clear();
    this.proxy = false;
  }
}
