import type { IncomingHttpHeaders } from "node:http";
import {
  AuthenticationError,
  AuthorizationError,
  NamespaceNotFoundError,
  NetworkError,
  PulsarError,
  RateLimitedError,
  ServerError,
  SubscriptionNotFoundError,
  TimeoutError,
  TopicNotFoundError,
} from "./errors.js";
import { scrubText } from "./safe-url.js";

/**
 * The one place where Pulsar's reason texts are read. Statuses map to error classes as in
 * docs/pulsar-access.md; the reason (scrubbed, truncated) goes in the message for people only.
 */
export interface ErrorReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** URL without secrets. */
  readonly url: string;
}

/** `{"reason": "..."}` (Pulsar's ErrorData), or undefined when the body is not that. */
export function jsonReason(body: Buffer): string | undefined {
  try {
    const doc: unknown = JSON.parse(body.toString("utf8"));
    if (typeof doc === "object" && doc !== null && "reason" in doc) {
      const reason = doc.reason;
      return typeof reason === "string" ? reason : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function isHtml(reply: ErrorReply): boolean {
  const type = String(reply.headers["content-type"] ?? "").toLowerCase();
  return type.includes("html") || /^\s*<(!doctype|html)/i.test(reply.body.toString("utf8", 0, 64));
}

/** Retry-After in ms: delta-seconds or an HTTP date (relative to `now`); undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - now);
}

/** Maps a non-2xx reply to its typed error. `now` (epoch ms) resolves a Retry-After date. */
export function mapHttpError(reply: ErrorReply, now: number): PulsarError {
  const { status, url } = reply;
  const reason = jsonReason(reply.body);
  const said = reason !== undefined ? `: ${scrubText(reason)}` : "";
  switch (true) {
    case status === 401:
      if (reason !== undefined && !isHtml(reply) && /^unauthorized to\b/i.test(reason)) {
        return new AuthorizationError(`HTTP 401, not authorized${said}`, url);
      }
      return new AuthenticationError(`HTTP 401, authentication failed${said}`, url);
    case status === 403:
      return new AuthorizationError(`HTTP 403, not authorized${said}`, url);
    case status === 404:
      if (reason !== undefined && /^subscription\b/i.test(reason)) {
        return new SubscriptionNotFoundError(`HTTP 404${said}`, url);
      }
      if (reason !== undefined && /^namespace\b/i.test(reason)) {
        return new NamespaceNotFoundError(`HTTP 404${said}`, url);
      }
      return new TopicNotFoundError(`HTTP 404${said || ": topic not found"}`, url);
    case status === 429: {
      const header: string | string[] | undefined = reply.headers["retry-after"];
      const wait = retryAfterMs(typeof header === "string" ? header : header?.[0], now);
      return new RateLimitedError(`HTTP 429, rate limited${said}`, url, wait);
    }
    default: {
      const text =
        reason !== undefined || isHtml(reply) ? said : `: ${scrubText(reply.body.toString("utf8", 0, 512))}`;
      return new ServerError(`HTTP ${status}${text === ": " ? "" : text}`, url, status);
    }
  }
}

const TIMEOUT_CODES = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** A transport failure (socket, DNS, TLS) as a typed error carrying the original as cause. */
export function mapTransportError(err: unknown, url: string): PulsarError {
  if (err instanceof PulsarError) return err;
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : undefined;
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new TimeoutError(`connection timed out (${code})`, url, { cause: err });
  }
  return new NetworkError(`network failure${code !== undefined ? ` (${code})` : ""}`, url, {
    cause: err,
  });
}
