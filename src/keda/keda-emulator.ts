import * as grpc from "@grpc/grpc-js";
import type {
  GetMetricSpecResponse,
  GetMetricsResponse,
  IsActiveResponse,
  ScaledObjectRef,
} from "./messages.js";
import { loadExternalScalerProto } from "./proto.js";

export interface KedaEmulatorOptions {
  /** host:port of the scaler. */
  readonly address: string;
  readonly credentials?: grpc.ChannelCredentials;
  /** Wait after a stream ends before reopening (KEDA: 2000 ms). */
  readonly reopenDelayMs?: number;
  /** First wait after a stream error; doubles per error up to maxBackoffMs (KEDA: 2000 / 60000). */
  readonly errorBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface StreamEvents {
  onPush?(res: IsActiveResponse): void;
  /** Every stream end: status code, and the delay before reopening (undefined once stopped). */
  onEnd?(code: grpc.status, details: string, reopenInMs: number | undefined): void;
  onOpen?(opens: number): void;
}

export interface StreamWatch {
  readonly pushes: number;
  readonly opens: number;
  /** Cancels the current stream and stops reopening. */
  stop(): void;
}

/** One polling tick summed up for a person (the demo): the backlog and activation, or the failure. */
export type PollResult =
  | { readonly ok: true; readonly backlog: number; readonly active: boolean; readonly metricName: string }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface TickResult {
  readonly spec?: GetMetricSpecResponse;
  readonly metrics?: GetMetricsResponse;
  readonly active?: boolean;
  readonly error?: grpc.ServiceError;
}

/**
 * The backlog in a GetMetrics answer: the float field, or the int one from a scaler that sets
 * only that. Undefined when the answer holds no value: it is shown as such, never read as 0.
 */
export function backlogOf(res: GetMetricsResponse): number | undefined {
  const v = res.metricValues[0];
  if (!v) return undefined;
  return v.metricValueFloat > 0 ? v.metricValueFloat : v.metricValue;
}

type UnaryFn<Req, Res> = (req: Req, cb: (err: grpc.ServiceError | null, res?: Res) => void) => void;

/**
 * Calls the scaler the way KEDA does (docs/keda.md): one shared connection (one client / channel),
 * one StreamIsActive per ScaledObject, each tick GetMetricSpec, then GetMetrics, then IsActive;
 * a stream is reopened 2 s after it ends and with doubling backoff after an error. The demo's KEDA,
 * and the tests' and benchmarks'.
 */
export class KedaEmulator {
  readonly client: grpc.Client;
  private readonly watches = new Set<StreamWatch>();

  constructor(private readonly opts: KedaEmulatorOptions) {
    const { Client } = loadExternalScalerProto();
    this.client = new Client(opts.address, opts.credentials ?? grpc.credentials.createInsecure());
  }

  private unary<Req, Res>(method: string, req: Req): Promise<Res> {
    const fn = (this.client as unknown as Record<string, UnaryFn<Req, Res>>)[method];
    if (!fn) throw new Error(`no method ${method}`);
    return new Promise((resolve, reject) => {
      fn.call(this.client, req, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  getMetricSpec(ref: ScaledObjectRef): Promise<GetMetricSpecResponse> {
    return this.unary("GetMetricSpec", ref);
  }

  getMetrics(ref: ScaledObjectRef, metricName: string): Promise<GetMetricsResponse> {
    return this.unary("GetMetrics", { scaledObjectRef: ref, metricName });
  }

  async isActive(ref: ScaledObjectRef): Promise<boolean> {
    return (await this.unary<ScaledObjectRef, IsActiveResponse>("IsActive", ref)).result;
  }

  /** One polling tick; the HPA metric name `s0-<name>` is stripped as KEDA does. */
  async tick(ref: ScaledObjectRef): Promise<TickResult> {
    try {
      const spec = await this.getMetricSpec(ref);
      const hpaName = `s0-${spec.metricSpecs[0]?.metricName ?? ""}`;
      const metrics = await this.getMetrics(ref, hpaName.replace(/^s\d+-/, ""));
      const active = await this.isActive(ref);
      return { spec, metrics, active };
    } catch (err) {
      return { error: err as grpc.ServiceError };
    }
  }

  /**
   * One polling tick in KEDA's order, summed up: GetMetricSpec, GetMetrics for the spec's name, then
   * IsActive. An answer without a value is a failure (NO_VALUE), never a backlog of 0.
   */
  async poll(ref: ScaledObjectRef): Promise<PollResult> {
    try {
      const spec = await this.getMetricSpec(ref);
      const metricName = spec.metricSpecs[0]?.metricName ?? "";
      const backlog = backlogOf(await this.getMetrics(ref, metricName));
      if (backlog === undefined) {
        return { ok: false, code: "NO_VALUE", message: `GetMetrics answered no value for ${metricName}` };
      }
      return { ok: true, backlog, active: await this.isActive(ref), metricName };
    } catch (err) {
      const e = err as Partial<grpc.ServiceError>;
      const code = typeof e.code === "number" ? (grpc.status[e.code] ?? String(e.code)) : "UNKNOWN";
      return { ok: false, code, message: e.details ?? (err instanceof Error ? err.message : String(err)) };
    }
  }

  private openStream(ref: ScaledObjectRef): grpc.ClientReadableStream<IsActiveResponse> {
    type StreamFn = (req: ScaledObjectRef) => grpc.ClientReadableStream<IsActiveResponse>;
    const fn = (this.client as unknown as Record<string, StreamFn>)["StreamIsActive"];
    if (!fn) throw new Error("no method StreamIsActive");
    return fn.call(this.client, ref);
  }

  /** Opens a StreamIsActive and keeps it open like KEDA does. */
  watch(ref: ScaledObjectRef, events: StreamEvents = {}): StreamWatch {
    const reopen = this.opts.reopenDelayMs ?? 2000;
    const first = this.opts.errorBackoffMs ?? 2000;
    const max = this.opts.maxBackoffMs ?? 60_000;
    let stopped = false;
    let backoff = first;
    let call: grpc.ClientReadableStream<IsActiveResponse> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const state = { pushes: 0, opens: 0 };
    const open = (): void => {
      if (stopped) return;
      state.opens++;
      const c = this.openStream(ref);
      call = c;
      events.onOpen?.(state.opens);
      c.on("data", (res: IsActiveResponse) => {
        state.pushes++;
        events.onPush?.(res);
      });
      c.on("error", () => {}); // the status below decides
      c.on("status", (s: grpc.StatusObject) => {
        if (call !== c) return;
        const delay = stopped ? undefined : s.code === grpc.status.OK ? reopen : backoff;
        if (s.code === grpc.status.OK) backoff = first;
        else backoff = Math.min(backoff * 2, max);
        events.onEnd?.(s.code, s.details, delay);
        if (delay !== undefined) timer = setTimeout(open, delay);
      });
    };
    const w: StreamWatch = {
      get pushes() {
        return state.pushes;
      },
      get opens() {
        return state.opens;
      },
      stop: () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        call?.cancel();
        this.watches.delete(w);
      },
    };
    this.watches.add(w);
    open();
    return w;
  }

  close(): void {
    for (const w of [...this.watches]) w.stop();
    this.client.close();
  }
}
