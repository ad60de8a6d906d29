import {
  BaseCommand_Type as T,
  CommandLookupTopicResponse_LookupType as Lookup,
  CommandPartitionedTopicMetadataResponse_LookupType as Metadata,
  ServerError,
  type CommandLookupTopic,
  type CommandPartitionedTopicMetadata,
} from "../../pulsar/binary/generated/pulsar-api.js";
import { fullName, parseTopic, partitionOf, type TopicName } from "../model/names.js";
import type { ConnectionContext } from "./context.js";

/** A topic name as the binary API takes it, or the reason it is not one. */
export function topicNameOrError(raw: string): TopicName | string {
  try {
    return parseTopic(raw);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The name whose owner decides: a partition goes where its partitioned topic goes. */
export function ownerKey(name: TopicName): string {
  return fullName(partitionOf(name)?.base ?? name);
}

/**
 * PARTITIONED_METADATA: N for a partitioned topic, 0 for a plain one. A missing topic answers 0
 * when metadata_auto_creation_enabled (default true: the broker would auto-create it on use, and
 * this answer creates nothing) and TopicNotFound when the client asked for no auto-creation.
 */
export function answerPartitionedMetadata(cx: ConnectionContext, c: CommandPartitionedTopicMetadata): void {
  const fail = (error: ServerError, message: string) =>
    cx.send({
      type: T.PARTITIONED_METADATA_RESPONSE,
      partitionMetadataResponse: { request_id: c.request_id, response: Metadata.Failed, error, message },
    });
  const name = topicNameOrError(c.topic);
  if (typeof name === "string") return fail(ServerError.InvalidTopicName, name);
  const { broker, authorizer } = cx.deps;
  if (!authorizer.allowed(fullName(name), cx.role)) {
    return fail(
      ServerError.AuthorizationError,
      `Client is not authorized to get partition metadata of ${fullName(name)}`,
    );
  }
  if (!broker.hasNamespace(name.tenant, name.namespace)) {
    return fail(ServerError.TopicNotFound, `Namespace ${name.tenant}/${name.namespace} does not exist`);
  }
  const partitions = broker.partitionCount(name);
  if (partitions === undefined && c.metadata_auto_creation_enabled === false) {
    return fail(ServerError.TopicNotFound, `Topic ${fullName(name)} does not exist`);
  }
  cx.send({
    type: T.PARTITIONED_METADATA_RESPONSE,
    partitionMetadataResponse: {
      request_id: c.request_id,
      response: Metadata.Success,
      partitions: partitions ?? 0,
    },
  });
}

/**
 * LOOKUP: Connect when this broker owns the topic, else Redirect (authoritative) to the owner; in
 * proxy mode always Connect with proxy_through_service_url, the owner named for
 * CONNECT.proxy_to_broker_url. Right after an unload the topic's lookup says ServiceNotReady once.
 */
export function answerLookup(cx: ConnectionContext, c: CommandLookupTopic): void {
  const fail = (error: ServerError, message: string) =>
    cx.send({
      type: T.LOOKUP_RESPONSE,
      lookupTopicResponse: { request_id: c.request_id, response: Lookup.Failed, error, message },
    });
  const name = topicNameOrError(c.topic);
  if (typeof name === "string") return fail(ServerError.InvalidTopicName, name);
  const { broker, authorizer, routing } = cx.deps;
  if (!authorizer.allowed(fullName(name), cx.role)) {
    return fail(ServerError.AuthorizationError, `Client is not authorized to Lookup ${fullName(name)}`);
  }
  if (!broker.hasNamespace(name.tenant, name.namespace)) {
    return fail(ServerError.TopicNotFound, `Namespace ${name.tenant}/${name.namespace} does not exist`);
  }
  if (routing.takeUnloaded(fullName(name))) {
    return fail(ServerError.ServiceNotReady, `Topic ${fullName(name)} is being unloaded`);
  }
  const owner = routing.owner(ownerKey(name));
  const tls = owner.url.startsWith("pulsar+ssl:");
  const urls = tls ? { brokerServiceUrlTls: owner.url } : { brokerServiceUrl: owner.url };
  if (routing.proxy || owner.index === cx.self.index) {
    cx.send({
      type: T.LOOKUP_RESPONSE,
      lookupTopicResponse: {
        request_id: c.request_id,
        response: Lookup.Connect,
        authoritative: true,
        proxy_through_service_url: routing.proxy,
        ...urls,
      },
    });
    return;
  }
  cx.send({
    type: T.LOOKUP_RESPONSE,
    lookupTopicResponse: {
      request_id: c.request_id,
      response: Lookup.Redirect,
      authoritative: true,
      ...urls,
    },
  });
}

/** Producers and consumers only attach where the topic is owned (a broker says ServiceNotReady otherwise). */
export function notOwnedHere(cx: ConnectionContext, name: TopicName): string | undefined {
  const owner = cx.deps.routing.owner(ownerKey(name));
  return owner.index === cx.self.index
    ? undefined
    : `Namespace bundle for topic ${fullName(name)} not served by this instance`;
}
