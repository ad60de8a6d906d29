import * as grpc from "@grpc/grpc-js";
import type {
  GetMetricSpecResponse,
  GetMetricsResponse,
  IsActiveResponse,
  ScaledObjectRef,
} from "../keda/messages.js";
import { loadExternalScalerProto } from "../keda/proto.js";

/** KEDA waits 2 s after a stream ends, and backs off from 2 s to 60 s after errors (FACTS.md). */
const REOPEN_MS = 2_000;
const MAX_BACKOFF_MS = 60_000;

export type PollResult =
  | { readonly ok: true; readonly backlog: number; readonly active: boolean; readonly metricName: string }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface StreamHandlers {
  onPush(res: IsActiveResponse): void;
  onOpen?(): void;
  /** The stream ended; it reopens after `reopenInMs`. */
  onEnd?(code: string, details: string, reopenInMs: number): void;
}

/**
 * The backlog in a GetMetrics answer: the float field, or the int one from a scaler that sets
 * only that. Undefined when the answer holds no value: the demo shows that, it never reads it as 0.
 */
export function backlogOf(res: GetMetricsResponse): number | undefined {
  const v = res.metricValues[0];
  if (!v) return undefined;
  return v.metricValueFloat > 0 ? v.metricValueFloat : v.metricValue;
}

type Unary<Req, Res> = (req: Req, cb: (err: grpc.ServiceError | null, res?: Res) => void) => void;
type ServerStream = (req: ScaledObjectRef) => grpc.ClientReadableStream<IsActiveResponse>;

/**
 * The demo's KEDA: one gRPC connection to the scaler, one StreamIsActive for the ScaledObject
 * (reopened like KEDA does), and polling ticks of GetMetricSpec, GetMetrics and IsActive.
 */
export class KedaClient {
  private readonly client: grpc.Client;
  private call: grpc.ClientReadableStream<IsActiveResponse> | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(address: string) {
    const { Client } = loadExternalScalerProto();
    this.client = new Client(address, grpc.credentials.createInsecure());
  }

  private method<F>(name: string): F {
    const fn = (this.client as unknown as Record<string, unknown>)[name];
    if (typeof fn !== "function") throw new TypeError(`no gRPC method ${name}`);
    return (fn as (...args: unknown[]) => unknown).bind(this.client) as F;
  }

  private unary<Req, Res>(name: string, req: Req): Promise<Res> {
    const fn = this.method<Unary<Req, Res>>(name);
    return new Promise((resolve, reject) => {
      fn(req, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  /** One polling tick, in KEDA's order: GetMetricSpec, GetMetrics for the spec's name, IsActive. */
  async poll(ref: ScaledObjectRef): Promise<PollResult> {
    try {
      const spec = await this.unary<ScaledObjectRef, GetMetricSpecResponse>("GetMetricSpec", ref);
      const metricName = spec.metricSpecs[0]?.metricName ?? "";
      const metrics = await this.unary<object, GetMetricsResponse>("GetMetrics", {
        scaledObjectRef: ref,
        metricName,
      });
      const backlog = backlogOf(metrics);
      if (backlog === undefined) {
        return { ok: false, code: "NO_VALUE", message: `GetMetrics answered no value for ${metricName}` };
      }
      const active = await this.unary<ScaledObjectRef, IsActiveResponse>("IsActive", ref);
      return { ok: true, backlog, active: active.result, metricName };
    } catch (err) {
      const e = err as Partial<grpc.ServiceError>;
      const code = typeof e.code === "number" ? (grpc.status[e.code] ?? String(e.code)) : "UNKNOWN";
      return { ok: false, code, message: e.details ?? (err instanceof Error ? err.message : String(err)) };
    }
  }

  /** Opens StreamIsActive and keeps it open: reopen 2 s after an OK end, doubling backoff on errors. */
  watch(ref: ScaledObjectRef, handlers: StreamHandlers): void {
    const open = this.method<ServerStream>("StreamIsActive");
    let backoff = REOPEN_MS;
    const start = (): void => {
      if (this.closed) return;
      const call = open(ref);
      this.call = call;
      handlers.onOpen?.();
      call.on("data", (res: IsActiveResponse) => handlers.onPush(res));
      call.on("error", () => {}); // the status event below decides what happens next
      call.on("status", (s: grpc.StatusObject) => {
        if (this.call !== call || this.closed) return;
        const wait = s.code === grpc.status.OK ? REOPEN_MS : backoff;
        backoff = s.code === grpc.status.OK ? REOPEN_MS : Math.min(backoff * 2, MAX_BACKOFF_MS);
        handlers.onEnd?.(grpc.status[s.code] ?? String(s.code), s.details, wait);
        this.reopenTimer = setTimeout(start, wait);
      });
    };
    start();
  }

  close(): void {
    this.closed = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.call?.cancel();
    this.client.close();
  }
}
