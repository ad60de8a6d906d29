import { status } from "@grpc/grpc-js";
import { errorText } from "../lib/errors.js";
import { CapacityError, NoFreshDataError } from "../state/errors.js";
import { TopicKindError } from "../watch/topic-kind.js";
import { MetadataError, NamespaceNotServedError, TooManyStreamsError, UnknownMetricError } from "./errors.js";

/** What a handler answers for a thrown error. `unexpected` errors are logged by the caller. */
export interface GrpcFailure {
  readonly code: status;
  readonly details: string;
  readonly unexpected: boolean;
}

/** The one place where errors become gRPC status codes. */
export function toGrpcFailure(err: unknown): GrpcFailure {
  const known = (code: status): GrpcFailure => ({ code, details: errorText(err), unexpected: false });
  if (err instanceof MetadataError) return known(status.INVALID_ARGUMENT);
  if (err instanceof TopicKindError) return known(status.INVALID_ARGUMENT);
  if (err instanceof NoFreshDataError) return known(status.UNAVAILABLE);
  if (err instanceof CapacityError) return known(status.RESOURCE_EXHAUSTED);
  if (err instanceof TooManyStreamsError) return known(status.RESOURCE_EXHAUSTED);
  if (err instanceof NamespaceNotServedError) return known(status.PERMISSION_DENIED);
  if (err instanceof UnknownMetricError) return known(status.NOT_FOUND);
  return { code: status.INTERNAL, details: `internal error: ${errorText(err)}`, unexpected: true };
}

/** Status name for metrics labels, e.g. "INVALID_ARGUMENT". */
export function codeName(code: status): string {
  return status[code] ?? String(code);
}
