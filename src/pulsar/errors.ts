import { ScalerError } from "../lib/errors.js";

/**
 * Every failure of Pulsar access is one of these, checked with `instanceof`. Each carries the URL
 * it concerns (never with credentials: no userinfo, no `token=` query) and the cause.
 */
export class PulsarError extends ScalerError {
  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (${url})`, options);
  }
}

/** 401: credentials missing or rejected (the broker's HTML page or JSON reason). */
export class AuthenticationError extends PulsarError {}
/** 403, or 401 with an authorization reason: the role may not do this. */
export class AuthorizationError extends PulsarError {}
export class TopicNotFoundError extends PulsarError {}
export class SubscriptionNotFoundError extends PulsarError {}
export class NamespaceNotFoundError extends PulsarError {}
/** 429; `retryAfterMs` from Retry-After when the broker sent one. */
export class RateLimitedError extends PulsarError {
  constructor(
    message: string,
    url: string,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, url, options);
  }
}
/** 5xx (or another unexpected status); `status` is the HTTP status. */
export class ServerError extends PulsarError {
  constructor(
    message: string,
    url: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, url, options);
  }
}
export class TimeoutError extends PulsarError {}
/** Connection refused, reset, DNS, TLS handshake... */
export class NetworkError extends PulsarError {}
/** A 2xx body that is not the document expected (garbage JSON, wrong shape). */
export class BadPayloadError extends PulsarError {}
/**
 * A `partitioned-stats` answer that left partitions out (their stats failed on another broker):
 * its totals are too small, so it is not served. A BadPayloadError: the document is not usable.
 */
export class IncompleteStatsError extends BadPayloadError {}
/** WebSocket upgrade answered with an HTTP status (401/403/404/409/429/500...). */
export class UpgradeError extends PulsarError {
  constructor(
    message: string,
    url: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, url, options);
  }
}
/** The WebSocket service is off (404 or refused on upgrade): rely on polling alone. */
export class ArrivalsUnavailableError extends PulsarError {}
/** More than the allowed number of 3xx hops (a redirect loop); `status` is the last 3xx status. */
export class TooManyRedirectsError extends ServerError {}

/**
 * A key names a cluster that is not configured. Not a PulsarError (no URL: nothing was asked of
 * Pulsar); the watcher records it as the key's error, never a made-up number.
 */
export class UnknownClusterError extends ScalerError {}
