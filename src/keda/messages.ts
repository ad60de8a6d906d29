/**
 * Hand-written types of the KEDA external scaler messages (proto/externalscaler.proto), as
 * @grpc/proto-loader hands them over with { keepCase: true, longs: Number, defaults: true }.
 * `MESSAGE_FIELDS` repeats the contract as data; the compile-time checks below tie it to the
 * interfaces and test/keda/proto-contract.test.ts ties it to the loaded .proto, so drift fails.
 */

export interface ScaledObjectRef {
  name: string;
  namespace: string;
  scalerMetadata: Record<string, string>;
}

export interface IsActiveResponse {
  result: boolean;
}

export interface MetricSpec {
  metricName: string;
  /** Deprecated by KEDA (float wins when > 0); still sent. */
  targetSize: number;
  targetSizeFloat: number;
}

export interface GetMetricSpecResponse {
  metricSpecs: MetricSpec[];
}

export interface GetMetricsRequest {
  /** null when the client did not set it. */
  scaledObjectRef: ScaledObjectRef | null;
  metricName: string;
}

export interface MetricValue {
  metricName: string;
  /** Deprecated by KEDA (float wins when > 0); still sent. */
  metricValue: number;
  metricValueFloat: number;
}

export interface GetMetricsResponse {
  metricValues: MetricValue[];
}

/** Proto field types used by this contract. */
export type ProtoFieldType =
  "string" | "bool" | "int64" | "double" | "map<string,string>" | `message:${string}` | `repeated:${string}`;

export const MESSAGE_FIELDS = {
  ScaledObjectRef: {
    name: [1, "string"],
    namespace: [2, "string"],
    scalerMetadata: [3, "map<string,string>"],
  },
  IsActiveResponse: { result: [1, "bool"] },
  GetMetricSpecResponse: { metricSpecs: [1, "repeated:MetricSpec"] },
  MetricSpec: { metricName: [1, "string"], targetSize: [2, "int64"], targetSizeFloat: [3, "double"] },
  GetMetricsRequest: { scaledObjectRef: [1, "message:ScaledObjectRef"], metricName: [2, "string"] },
  GetMetricsResponse: { metricValues: [1, "repeated:MetricValue"] },
  MetricValue: { metricName: [1, "string"], metricValue: [2, "int64"], metricValueFloat: [3, "double"] },
} as const satisfies Record<string, Record<string, readonly [number, ProtoFieldType]>>;

/** The service's methods: request type, response type, server streaming. */
export const SERVICE_METHODS = {
  IsActive: ["ScaledObjectRef", "IsActiveResponse", false],
  StreamIsActive: ["ScaledObjectRef", "IsActiveResponse", true],
  GetMetricSpec: ["ScaledObjectRef", "GetMetricSpecResponse", false],
  GetMetrics: ["GetMetricsRequest", "GetMetricsResponse", false],
  StreamMetricSpec: ["ScaledObjectRef", "GetMetricSpecResponse", true],
} as const;

// ---- compile-time ties between MESSAGE_FIELDS and the interfaces ------------------------------

interface Messages {
  ScaledObjectRef: ScaledObjectRef;
  IsActiveResponse: IsActiveResponse;
  GetMetricSpecResponse: GetMetricSpecResponse;
  MetricSpec: MetricSpec;
  GetMetricsRequest: GetMetricsRequest;
  GetMetricsResponse: GetMetricsResponse;
  MetricValue: MetricValue;
}

type TsOf<T> = T extends "string"
  ? string
  : T extends "bool"
    ? boolean
    : T extends "int64" | "double"
      ? number
      : T extends "map<string,string>"
        ? Record<string, string>
        : T extends `message:${infer M extends keyof Messages}`
          ? Messages[M] | null
          : T extends `repeated:${infer M extends keyof Messages}`
            ? Messages[M][]
            : never;

type Described<M extends keyof typeof MESSAGE_FIELDS> = {
  -readonly [K in keyof (typeof MESSAGE_FIELDS)[M]]: (typeof MESSAGE_FIELDS)[M][K] extends readonly [
    number,
    infer T,
  ]
    ? TsOf<T>
    : never;
};

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type AllSame = { [M in keyof Messages]: Same<Messages[M], Described<M>> };

/** Fails to compile when an interface and MESSAGE_FIELDS disagree. */
export const MESSAGES_MATCH_FIELDS: { [M in keyof AllSame]: AllSame[M] } = {
  ScaledObjectRef: true,
  IsActiveResponse: true,
  GetMetricSpecResponse: true,
  MetricSpec: true,
  GetMetricsRequest: true,
  GetMetricsResponse: true,
  MetricValue: true,
};
