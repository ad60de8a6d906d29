import * as grpc from "@grpc/grpc-js";
import type {
  GetMetricSpecResponse,
  GetMetricsRequest,
  GetMetricsResponse,
  IsActiveResponse,
  ScaledObjectRef,
} from "../../src/keda/messages.js";

/**
 * A stand-in for KEDA's built-in `pulsar` scaler, served over the external scaler gRPC API so the
 * same client drives it: every GetMetrics and every IsActive makes one admin `/stats` request
 * (no cache, no watch), reads `subscriptions[sub].msgBacklog`, active iff backlog > activation
 * threshold. It never pushes: StreamIsActive answers UNIMPLEMENTED, so activation waits for
 * KEDA's next polling tick. KEDA calls its built-in scaler once per polling tick and once per HPA
 * read (GetMetricsAndActivity): drive it with IsActive on ticks and GetMetrics on HPA reads.
 */

interface Trigger {
  readonly statsUrl: string;
  readonly subscription: string;
  readonly activation: number;
  readonly metricName: string;
}

class BadMetadata extends Error {}

function triggerOf(ref: ScaledObjectRef | null): Trigger {
  const meta = ref?.scalerMetadata ?? {};
  const admin = meta["adminURL"];
  const topic = meta["topic"];
  const subscription = meta["subscription"];
  if (!admin || !topic || !subscription)
    throw new BadMetadata("adminURL, topic and subscription are required");
  const path = topic.replace(/^(persistent|non-persistent):\/\//, "$1/");
  const full =
    path.startsWith("persistent/") || path.startsWith("non-persistent/") ? path : `persistent/${path}`;
  return {
    statsUrl: `${admin.replace(/\/+$/, "")}/admin/v2/${full}/stats`,
    subscription,
    activation: Number(meta["activationMsgBacklogThreshold"] ?? "0") || 0,
    metricName: `pulsar-${full.split("/").pop() ?? ""}-${subscription}`.toLowerCase(),
  };
}

async function backlogOf(t: Trigger): Promise<number> {
  const res = await fetch(t.statsUrl);
  const body = (await res.json()) as { subscriptions?: Record<string, { msgBacklog?: number }> };
  if (res.status !== 200) throw new Error(`stats: HTTP ${res.status}`);
  const sub = body.subscriptions?.[t.subscription];
  if (!sub) throw new Error(`subscription ${t.subscription} not found`);
  return sub.msgBacklog ?? 0;
}

function fail(cb: (err: grpc.ServiceError) => void, err: unknown): void {
  const code = err instanceof BadMetadata ? grpc.status.INVALID_ARGUMENT : grpc.status.UNAVAILABLE;
  cb(Object.assign(new Error(String(err)), { code, details: String(err), metadata: new grpc.Metadata() }));
}

export function pollingService(): grpc.UntypedServiceImplementation {
  return {
    GetMetricSpec: (
      call: grpc.ServerUnaryCall<ScaledObjectRef, GetMetricSpecResponse>,
      cb: grpc.sendUnaryData<GetMetricSpecResponse>,
    ) => {
      try {
        const t = triggerOf(call.request);
        cb(null, { metricSpecs: [{ metricName: t.metricName, targetSize: 10, targetSizeFloat: 10 }] });
      } catch (err) {
        fail(cb, err);
      }
    },
    GetMetrics: (
      call: grpc.ServerUnaryCall<GetMetricsRequest, GetMetricsResponse>,
      cb: grpc.sendUnaryData<GetMetricsResponse>,
    ) => {
      void (async () => {
        const t = triggerOf(call.request.scaledObjectRef);
        const v = await backlogOf(t);
        return {
          metricValues: [{ metricName: call.request.metricName, metricValue: v, metricValueFloat: v }],
        };
      })().then(
        (r) => cb(null, r),
        (err: unknown) => fail(cb, err),
      );
    },
    IsActive: (
      call: grpc.ServerUnaryCall<ScaledObjectRef, IsActiveResponse>,
      cb: grpc.sendUnaryData<IsActiveResponse>,
    ) => {
      void (async () => {
        const t = triggerOf(call.request);
        return { result: (await backlogOf(t)) > t.activation };
      })().then(
        (r) => cb(null, r),
        (err: unknown) => fail(cb, err),
      );
    },
    StreamIsActive: (call: grpc.ServerWritableStream<ScaledObjectRef, IsActiveResponse>) => {
      call.emit("error", { code: grpc.status.UNIMPLEMENTED, details: "the built-in scaler does not push" });
    },
  };
}
