import net from "node:net";
import tls from "node:tls";
import type { TlsClientOptions } from "../auth/provider.js";
import type { BinaryCredentials } from "./auth-data.js";
import { FRAME_SIZE_MARGIN } from "./frame.js";
import { BaseCommand_Type as T, type Command, type CommandConnected } from "./generated/pulsar-api.js";
import type { ServiceAddress } from "./service-url.js";

/** protocol_version we speak: 20 is the first with TOPIC_MIGRATED, which we handle (PULSAR-BINARY.md §3). */
export const PROTOCOL_VERSION = 20;
export const CLIENT_VERSION = "pulsar-push-scaler";

/** What CONNECTED told about the broker. */
export interface BrokerFeatures {
  /** FeatureFlags 5: PARTITIONED_METADATA may ask not to create the topic's metadata. */
  readonly partitionedMetadataWithoutAutoCreation: boolean;
  readonly protocolVersion: number;
  /** Largest frame either side may send: CONNECTED.max_message_size + 10 KiB. */
  readonly maxFrameSize: number;
}

/** TCP, or TLS verified against `ca` with the client certificate of auth `tls` (SNI for host names). */
export function openSocket(
  a: ServiceAddress,
  ca: Buffer | undefined,
  cert: TlsClientOptions | undefined,
): net.Socket {
  const socket = a.tls
    ? tls.connect({
        host: a.host,
        port: a.port,
        ca,
        cert: cert?.cert,
        key: cert?.key,
        servername: net.isIP(a.host) === 0 ? a.host : undefined,
      })
    : net.connect({ host: a.host, port: a.port });
  socket.setNoDelay(true);
  return socket;
}

/**
 * CONNECT with our version, the credentials, the proxy target, and the feature flags: auth refresh
 * on (without it a 3.x broker or proxy closes the connection when the token expires), broker entry
 * metadata off (we never read it).
 */
export function connectCommand(creds: BinaryCredentials, proxyToBroker: string | undefined): Command {
  return {
    type: T.CONNECT,
    connect: {
      client_version: CLIENT_VERSION,
      protocol_version: PROTOCOL_VERSION,
      ...(creds.method === undefined ? {} : { auth_method_name: creds.method }),
      ...(creds.data === undefined ? {} : { auth_data: creds.data }),
      ...(proxyToBroker === undefined ? {} : { proxy_to_broker_url: proxyToBroker }),
      feature_flags: { supports_auth_refresh: true, supports_broker_entry_metadata: false },
    },
  };
}

/** AUTH_RESPONSE to an AUTH_CHALLENGE: both response fields are required by the broker. */
export function authResponseCommand(creds: BinaryCredentials): Command {
  return {
    type: T.AUTH_RESPONSE,
    authResponse: {
      client_version: CLIENT_VERSION,
      protocol_version: PROTOCOL_VERSION,
      response: { auth_method_name: creds.method ?? "none", auth_data: creds.data ?? new Uint8Array() },
    },
  };
}

/** The features of a CONNECTED; the frame limit stays `currentMax` when it gives no max_message_size. */
export function brokerFeatures(c: CommandConnected, currentMax: number): BrokerFeatures {
  return {
    partitionedMetadataWithoutAutoCreation:
      c.feature_flags?.supports_get_partitioned_metadata_without_auto_creation === true,
    protocolVersion: c.protocol_version ?? 0,
    maxFrameSize: c.max_message_size === undefined ? currentMax : c.max_message_size + FRAME_SIZE_MARGIN,
  };
}
