import {
  NamespaceNotFoundError,
  RateLimitedError,
  SubscriptionNotFoundError,
  TopicNotFoundError,
} from "../pulsar/errors.js";
import type { ErrorLike } from "../state/key-state.js";
import type { PollFailure } from "../state/poll-health.js";

/**
 * What a failed poll means for the freshness model (src/state/poll-health.ts). By class name: a
 * sidecar reports an error as its class name and message, and a local error carries its class
 * name too (ScalerError sets it), so both are read alike.
 */
export function pollFailure(err: ErrorLike): PollFailure {
  switch (err.name) {
    case TopicNotFoundError.name:
      return "topic";
    case SubscriptionNotFoundError.name:
      return "subscription";
    case NamespaceNotFoundError.name:
      return "namespace";
    case RateLimitedError.name:
      return "throttled";
    default:
      return "failed";
  }
}
