import assert from "node:assert/strict";
import type { ServiceError, status } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { FakeClock } from "../support/fake-clock.js";
import { FakeStateReader } from "../support/fake-state-reader.js";
import { KedaEmulator, type KedaEmulatorOptions } from "../../src/keda/keda-emulator.js";
import { Health } from "../../src/keda/health.js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { startKedaServer, type KedaServer } from "../../src/keda/server.js";
import { createKedaMetrics } from "../../src/keda/service-metrics.js";
import { createKedaService, type KedaService } from "../../src/keda/service.js";
import { createLogger } from "../../src/lib/logger.js";
import type { ClusterConfig } from "../../src/pulsar/cluster.js";

export const CLUSTERS: readonly ClusterConfig[] = [
  {
    name: "default",
    adminUrl: "http://pulsar:8080",
    wsUrl: "ws://pulsar:8080",
    arrivals: "auto",
    auth: { kind: "none" },
    requestTimeoutMs: 5000,
  },
];

export const META = Object.freeze({
  adminURL: "http://pulsar:8080",
  topic: "persistent://public/default/orders",
  subscription: "workers",
  msgBacklogThreshold: "5",
});

export const KEY = "default/persistent://public/default/orders/workers";

export function ref(
  meta: Record<string, string> = META,
  name = "consumer",
  namespace = "apps",
): ScaledObjectRef {
  return { name, namespace, scalerMetadata: { ...meta } };
}

export interface Harness {
  readonly state: FakeStateReader;
  readonly service: KedaService;
  readonly health: Health;
  readonly registry: Registry;
  readonly server: KedaServer;
  readonly clock: FakeClock;
  readonly address: string;
  emulator(opts?: Partial<KedaEmulatorOptions>): KedaEmulator;
  close(): Promise<void>;
}

/** A real gRPC server on 127.0.0.1:0 over a FakeStateReader, and KEDA emulators to call it. */
export async function startHarness(
  opts: {
    servedNamespaces?: readonly string[] | "all";
    clusters?: readonly ClusterConfig[];
    maxStreams?: number;
  } = {},
): Promise<Harness> {
  const state = new FakeStateReader();
  const clock = new FakeClock();
  const logger = createLogger("silent");
  const registry = new Registry();
  const health = new Health({ state, clock, intervalMs: 1000 });
  const service = createKedaService({
    state,
    clusters: opts.clusters ?? CLUSTERS,
    servedNamespaces: opts.servedNamespaces ?? ["apps"],
    logger,
    metrics: createKedaMetrics(registry),
    ...(opts.maxStreams !== undefined && { maxStreams: opts.maxStreams }),
  });
  const server = await startKedaServer({
    host: "127.0.0.1",
    port: 0,
    service,
    health,
    logger,
    ...(opts.maxStreams !== undefined && { maxStreams: opts.maxStreams }),
  });
  const address = `127.0.0.1:${server.port}`;
  const emulators: KedaEmulator[] = [];
  return {
    state,
    service,
    health,
    registry,
    server,
    clock,
    address,
    emulator(o = {}) {
      const e = new KedaEmulator({ address, reopenDelayMs: 20, errorBackoffMs: 20, maxBackoffMs: 200, ...o });
      emulators.push(e);
      return e;
    },
    async close() {
      for (const e of emulators) e.close();
      await server.close(1000);
    },
  };
}

/** The status code and details a call failed with; fails the test when it succeeded. */
export async function grpcFailure(p: Promise<unknown>): Promise<{ code: status; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as ServiceError;
    return { code: e.code, details: e.details };
  }
  assert.fail("expected an error status");
}
