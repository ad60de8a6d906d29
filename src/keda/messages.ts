/**
 * The KEDA external scaler messages (proto/externalscaler.proto) under the names the code uses.
 * Every type comes from ./generated/, which `npm run gen:proto` (proto-loader-gen-types) writes
 * from the .proto with the flags that match PROTO_LOADER_OPTIONS (proto.ts); `npm run lint` fails
 * when it is out of date. Never edit ./generated/ by hand.
 *
 * The `__Output` shapes are what @grpc/proto-loader hands over with `defaults: true`: every field
 * present, int64 as number, an unset message field as null. Responses are built in the same shape
 * (every field set), which the generated permissive input types accept.
 */
export type { ScaledObjectRef__Output as ScaledObjectRef } from "./generated/externalscaler/ScaledObjectRef.js";
export type { IsActiveResponse__Output as IsActiveResponse } from "./generated/externalscaler/IsActiveResponse.js";
export type { MetricSpec__Output as MetricSpec } from "./generated/externalscaler/MetricSpec.js";
export type { GetMetricSpecResponse__Output as GetMetricSpecResponse } from "./generated/externalscaler/GetMetricSpecResponse.js";
export type { GetMetricsRequest__Output as GetMetricsRequest } from "./generated/externalscaler/GetMetricsRequest.js";
export type { MetricValue__Output as MetricValue } from "./generated/externalscaler/MetricValue.js";
export type { GetMetricsResponse__Output as GetMetricsResponse } from "./generated/externalscaler/GetMetricsResponse.js";
export type { ExternalScalerHandlers } from "./generated/externalscaler/ExternalScaler.js";
