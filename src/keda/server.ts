import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../lib/logger.js";
import type { TlsFiles } from "../lib/tls-files.js";
import type { Health } from "./health.js";
import { loadExternalScalerProto } from "./proto.js";
import { KEDA_REQUEST_MAX_BYTES } from "./metadata.js";
import type { KedaService } from "./service.js";
import { DEFAULT_MAX_STREAMS, perConnectionStreams } from "./stream-limits.js";

/** With a clientCaFile, gRPC clients must present a certificate signed by it (refused at the handshake). */
export type GrpcTlsFiles = TlsFiles;

export interface KedaServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); the bound port is returned. */
  readonly port: number;
  readonly tls?: GrpcTlsFiles;
  readonly service: KedaService;
  readonly health: Health;
  readonly logger: Logger;
  /** The service's --max-streams: sizes HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection. */
  readonly maxStreams?: number;
}

export interface KedaServer {
  readonly port: number;
  readonly server: grpc.Server;
  /** Not ready, end streams OK, tryShutdown within deadlineMs, then force. Idempotent. */
  close(deadlineMs: number): Promise<void>;
}

/** Keep idle streams alive with HTTP/2 pings, not messages; accept KEDA's pings generously. */
export const KEEPALIVE_OPTIONS: grpc.ServerOptions = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": 5_000,
  "grpc.http2.max_ping_strikes": 0,
};

export function serverCredentials(tls: GrpcTlsFiles | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const ca = tls.clientCaFile ? readFileSync(tls.clientCaFile) : null;
  return grpc.ServerCredentials.createSsl(
    ca,
    [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }],
    ca !== null,
  );
}

function bind(server: grpc.Server, address: string, creds: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, creds, (err, port) => (err ? reject(err) : resolve(port)));
  });
}

function hostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Builds, binds and starts the KEDA gRPC server (ExternalScaler + grpc.health.v1). */
export async function startKedaServer(opts: KedaServerOptions): Promise<KedaServer> {
  const log = opts.logger;
  // grpc-js advertises 2^32-1 concurrent streams per connection unless told otherwise.
  const server = new grpc.Server({
    ...KEEPALIVE_OPTIONS,
    "grpc.max_concurrent_streams": perConnectionStreams(opts.maxStreams ?? DEFAULT_MAX_STREAMS),
    // A request larger than any valid one is refused from its length prefix, before it is buffered.
    "grpc.max_receive_message_length": KEDA_REQUEST_MAX_BYTES,
  });
  server.addService(loadExternalScalerProto().service, opts.service.implementation);
  opts.health.implementation.addToServer(server);
  const port = await bind(server, hostPort(opts.host, opts.port), serverCredentials(opts.tls));
  let closing: Promise<void> | undefined;

  async function shutdown(deadlineMs: number): Promise<void> {
    try {
      opts.health.shutdown();
    } catch (err) {
      log.error({ err }, "marking not ready failed");
    }
    try {
      const ended = opts.service.endStreams();
      log.info({ streams: ended }, "ended open KEDA streams with status OK");
    } catch (err) {
      log.error({ err }, "ending streams failed");
    }
    const graceful = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      server.tryShutdown((err) => {
        clearTimeout(timer);
        if (err) log.warn({ err }, "gRPC tryShutdown reported an error");
        resolve(!err);
      });
    });
    if (!graceful) {
      log.warn({ deadlineMs }, "gRPC server did not drain in time; forcing shutdown");
      server.forceShutdown();
    }
  }

  return {
    port,
    server,
    close(deadlineMs) {
      closing ??= shutdown(deadlineMs);
      return closing;
    },
  };
}
