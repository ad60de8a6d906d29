import type * as grpc from "@grpc/grpc-js";
import type { Logger } from "../lib/logger.js";
import type { ClusterConfig } from "../pulsar/cluster.js";
import { metricSpecOf, metricValueOf } from "./answers.js";
import { NamespaceNotServedError, TooManyStreamsError, UnknownMetricError } from "./errors.js";
import type {
  ExternalScalerHandlers,
  GetMetricSpecResponse,
  GetMetricsRequest,
  GetMetricsResponse,
  IsActiveResponse,
  ScaledObjectRef,
} from "./messages.js";
import { metricNameMatches } from "./metric-name.js";
import { PushQueue } from "./push-queue.js";
import type { KedaMetrics } from "./service-metrics.js";
import type { StateReader } from "./state-reader.js";
import { codeName, toGrpcFailure } from "./status.js";
import { DEFAULT_MAX_STREAMS } from "./stream-limits.js";
import { StreamSet } from "./stream-set.js";
import { TriggerCache, type TriggerCacheLimits } from "./trigger-cache.js";
import type { ScaledObjectId, TriggerSpec } from "./trigger.js";

export interface KedaServiceOptions {
  readonly state: StateReader;
  readonly clusters: readonly ClusterConfig[];
  /** Namespaces whose ScaledObjects are served; others get PERMISSION_DENIED. */
  readonly servedNamespaces: readonly string[] | "all";
  readonly logger: Logger;
  readonly metrics: KedaMetrics;
  /** Bounds of the parsed-metadata cache (trigger-cache.ts: 10,000 entries, 8 MiB). */
  readonly cache?: TriggerCacheLimits;
  /** Stream pushes written per event-loop turn during a fan-out (default 64, push-queue.ts). */
  readonly pushChunk?: number;
  /** Open streams over all connections; a new one beyond is RESOURCE_EXHAUSTED (stream-limits.ts). */
  readonly maxStreams?: number;
}

export interface KedaService {
  /** Handlers for `externalscaler.ExternalScaler` (server.addService), typed by the generated proto types. */
  readonly implementation: ExternalScalerHandlers;
  /** Ends every open stream with status OK (shutdown); returns how many. */
  endStreams(): number;
  readonly openStreams: number;
  /** The parsed-metadata cache's entries and estimated bytes, with its bound (introspection, tests). */
  readonly triggerCache: { readonly size: number; readonly bytes: number; readonly maxBytes: number };
}

interface Resolved {
  readonly so: ScaledObjectId;
  readonly spec: TriggerSpec;
}

function specResponse(spec: TriggerSpec): GetMetricSpecResponse {
  return { metricSpecs: [metricSpecOf(spec)] };
}

/**
 * The KEDA ExternalScaler handlers. They read only the StateReader: no Pulsar I/O here.
 * Errors become gRPC codes in status.ts; unexpected ones are logged here, once.
 */
export function createKedaService(opts: KedaServiceOptions): KedaService {
  const { state, metrics } = opts;
  const log = opts.logger;
  const cache = new TriggerCache(opts.clusters, opts.cache);
  const streams = new StreamSet();
  const pushes = new PushQueue((err) => log.warn({ err }, "a stream push failed"), opts.pushChunk);
  const served = opts.servedNamespaces === "all" ? "all" : new Set(opts.servedNamespaces);
  const maxStreams = opts.maxStreams ?? DEFAULT_MAX_STREAMS;

  function resolve(ref: ScaledObjectRef | null | undefined): Resolved {
    const namespace = ref?.namespace ?? "";
    if (served !== "all" && !served.has(namespace)) {
      throw new NamespaceNotServedError(namespace, [...served]);
    }
    const spec = cache.get(ref?.scalerMetadata ?? {});
    return { so: { namespace, name: ref?.name ?? "" }, spec };
  }

  function failure(method: string, err: unknown, ref: ScaledObjectRef | null | undefined) {
    const f = toGrpcFailure(err);
    const fields = { method, namespace: ref?.namespace, scaledObject: ref?.name, code: codeName(f.code) };
    if (f.unexpected) log.error({ ...fields, err }, "KEDA call failed unexpectedly");
    else log.debug({ ...fields, details: f.details }, "KEDA call answered with an error");
    return f;
  }

  function unary<Req, Res>(
    method: string,
    refOf: (req: Req) => ScaledObjectRef | null | undefined,
    answer: (req: Req) => Promise<Res> | Res,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const started = performance.now();
      const done = (code: string): void => {
        metrics.requests.inc({ method, code });
        metrics.duration.observe({ method, code }, (performance.now() - started) / 1000);
      };
      Promise.resolve()
        .then(() => answer(call.request))
        .then(
          (res) => {
            done("OK");
            callback(null, res);
          },
          (err: unknown) => {
            const f = failure(method, err, refOf(call.request));
            done(codeName(f.code));
            callback({ code: f.code, details: f.details });
          },
        );
    };
  }

  function stream<Res>(
    method: string,
    start: (r: Resolved, write: (msg: Res) => void) => (() => void) | undefined,
  ): grpc.handleServerStreamingCall<ScaledObjectRef, Res> {
    return (call) => {
      const fail = (err: unknown): void => {
        const f = failure(method, err, call.request);
        metrics.requests.inc({ method, code: codeName(f.code) });
        call.emit("error", { code: f.code, details: f.details });
      };
      // Checked before the metadata is parsed: a refused stream costs no cache entry.
      if (streams.size >= maxStreams) {
        metrics.streamsRefused.inc({ method });
        fail(new TooManyStreamsError(streams.size, maxStreams));
        return;
      }
      let r: Resolved;
      try {
        r = resolve(call.request);
      } catch (err) {
        fail(err);
        return;
      }
      const open = streams.add(call, (d) => metrics.openStreams.inc({ method }, d));
      const write = (msg: Res): void =>
        pushes.push(() => {
          if (open.closed) return;
          call.write(msg);
          metrics.pushes.inc({ method });
        });
      try {
        const stop = start(r, write);
        if (stop) open.onClose(stop);
        metrics.requests.inc({ method, code: "OK" });
      } catch (err) {
        fail(err);
      }
    };
  }

  const implementation: ExternalScalerHandlers = {
    GetMetricSpec: unary<ScaledObjectRef, GetMetricSpecResponse>(
      "GetMetricSpec",
      (req) => req,
      (req) => specResponse(resolve(req).spec),
    ),
    GetMetrics: unary<GetMetricsRequest, GetMetricsResponse>(
      "GetMetrics",
      (req) => req.scaledObjectRef,
      async (req) => {
        const { so, spec } = resolve(req.scaledObjectRef);
        if (!metricNameMatches(req.metricName, spec.metricName)) {
          throw new UnknownMetricError(req.metricName, spec.metricName);
        }
        const v = await state.metricValue(so, spec);
        return { metricValues: [metricValueOf(spec, v)] };
      },
    ),
    IsActive: unary<ScaledObjectRef, IsActiveResponse>(
      "IsActive",
      (req) => req,
      async (req) => {
        const { so, spec } = resolve(req);
        return { result: await state.isActive(so, spec) };
      },
    ),
    StreamIsActive: stream<IsActiveResponse>("StreamIsActive", ({ so, spec }, write) =>
      state.watchActivation(so, spec, () => write({ result: true })),
    ),
    StreamMetricSpec: stream<GetMetricSpecResponse>("StreamMetricSpec", ({ spec }, write) => {
      write(specResponse(spec));
      return undefined;
    }),
  };

  return {
    implementation,
    endStreams: () => streams.endAll(),
    get openStreams() {
      return streams.size;
    },
    triggerCache: cache,
  };
}
