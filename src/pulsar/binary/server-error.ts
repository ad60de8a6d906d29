import {
  AuthenticationError,
  AuthorizationError,
  PulsarError,
  RateLimitedError,
  SubscriptionNotFoundError,
  TopicNotFoundError,
} from "../errors.js";
import { scrubText } from "../safe-url.js";
import { ServerError as Code } from "./generated/pulsar-api.js";

/** A broker's ERROR (or Failed response) with no closer PulsarError class; `serverError` is its name. */
export class BrokerError extends PulsarError {
  constructor(
    message: string,
    url: string,
    readonly serverError: string,
    options?: { cause?: unknown },
  ) {
    super(message, url, options);
  }
}

/** ServiceNotReady: the topic is moving or loading; look up again and retry with backoff. */
export class ServiceNotReadyError extends BrokerError {}

/** The broker broke the protocol (an answer to nothing we asked, a frame we cannot read). */
export class ProtocolError extends PulsarError {}

const NAMES = new Map<number, string>(Object.entries(Code).map(([name, code]) => [code, name]));

export function serverErrorName(code: number | undefined): string {
  return NAMES.get(code ?? 0) ?? `ServerError(${code})`;
}

/**
 * The PulsarError class for a ServerError code: the same classes as the admin client's (so callers
 * check `instanceof AuthenticationError` whatever the transport), with the server's error name and
 * message (scrubbed) in the text.
 */
export function brokerError(code: number | undefined, message: string | undefined, url: string): PulsarError {
  const name = serverErrorName(code);
  const text = `${name}: ${scrubText(message ?? "")}`;
  switch (code) {
    case Code.AuthenticationError:
      return new AuthenticationError(text, url);
    case Code.AuthorizationError:
      return new AuthorizationError(text, url);
    case Code.TopicNotFound:
      return new TopicNotFoundError(text, url);
    case Code.SubscriptionNotFound:
      return new SubscriptionNotFoundError(text, url);
    case Code.TooManyRequests:
      return new RateLimitedError(text, url, undefined);
    case Code.ServiceNotReady:
      return new ServiceNotReadyError(text, url, name);
    default:
      return new BrokerError(text, url, name);
  }
}
