import type { BinaryConnection } from "./connection.js";
import { BaseCommand_Type as T, CommandLookupTopicResponse_LookupType as L } from "./generated/pulsar-api.js";
import type { ConnectionPool } from "./pool.js";
import { brokerError, ProtocolError } from "./server-error.js";
import { parseServiceUrl } from "./service-url.js";

/** Where a topic's consumer connects: the owner broker, or the service URL proxying to it. */
export interface BrokerTarget {
  readonly url: string;
  readonly proxyToBroker?: string;
}

/** Redirect hops before a lookup is given up (Java and Go clients stop at 20 too). */
export const MAX_LOOKUP_HOPS = 20;

/**
 * LOOKUP from the service URL to the owner broker (PULSAR-BINARY.md §5): Connect ends it, Redirect
 * asks again there with the authoritative flag the broker returned, Failed rejects with the
 * server's error (ServiceNotReady and TooManyRequests are transient: the caller backs off and
 * retries). With proxy_through_service_url the consumer stays on the service URL, proxied.
 */
export async function lookupTopic(
  pool: ConnectionPool,
  serviceUrl: string,
  topic: string,
): Promise<BrokerTarget> {
  const service = parseServiceUrl(serviceUrl);
  let conn = await pool.get(service.url);
  let authoritative = false;
  for (let hop = 0; hop <= MAX_LOOKUP_HOPS; hop++) {
    const reply = await conn.request((request_id) => ({
      type: T.LOOKUP,
      lookupTopic: { topic, request_id, authoritative },
    }));
    if (reply.type !== T.LOOKUP_RESPONSE) throw unexpected(conn, "LOOKUP", reply.type);
    const r = reply.lookupTopicResponse;
    if (r.response === L.Failed || r.response === undefined)
      throw brokerError(r.error, r.message, conn.address.url);
    const raw = service.tls
      ? (r.brokerServiceUrlTls ?? r.brokerServiceUrl)
      : (r.brokerServiceUrl ?? r.brokerServiceUrlTls);
    if (raw === undefined || raw.length === 0) {
      throw new ProtocolError(`lookup of ${topic} answered without a broker URL`, conn.address.url);
    }
    const broker = parseServiceUrl(raw);
    const target: BrokerTarget =
      r.proxy_through_service_url === true
        ? { url: service.url, proxyToBroker: broker.hostPort }
        : { url: broker.url };
    if (r.response === L.Connect) return target;
    authoritative = r.authoritative === true;
    conn = await pool.get(target.url, target.proxyToBroker);
  }
  throw new ProtocolError(`lookup of ${topic} redirected more than ${MAX_LOOKUP_HOPS} times`, service.url);
}

/**
 * Partitions of a topic (0: not partitioned), asked without creating anything: only when the
 * broker can be told not to auto-create metadata (FeatureFlags 5). Older brokers might create it
 * (PIP-344), so then `undefined`: the caller relies on SUBSCRIBE with force_topic_creation=false,
 * which answers TopicNotFound for a missing topic too.
 */
export async function partitionedMetadata(
  conn: BinaryConnection,
  topic: string,
): Promise<number | undefined> {
  if (!conn.features.partitionedMetadataWithoutAutoCreation) return undefined;
  const reply = await conn.request((request_id) => ({
    type: T.PARTITIONED_METADATA,
    partitionMetadata: { topic, request_id, metadata_auto_creation_enabled: false },
  }));
  if (reply.type !== T.PARTITIONED_METADATA_RESPONSE)
    throw unexpected(conn, "PARTITIONED_METADATA", reply.type);
  const r = reply.partitionMetadataResponse;
  if (r.response === 1) throw brokerError(r.error, r.message, conn.address.url);
  return r.partitions ?? 0;
}

function unexpected(conn: BinaryConnection, asked: string, got: number | string): ProtocolError {
  return new ProtocolError(`${asked} answered with command ${got}`, conn.address.url);
}
