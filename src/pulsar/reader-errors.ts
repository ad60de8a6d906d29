import { mapTransportError } from "./error-mapping.js";
import { ArrivalsUnavailableError, AuthenticationError, AuthorizationError, UpgradeError } from "./errors.js";

/**
 * The typed error of a refused WebSocket upgrade. A 404 means no servlet on /ws/*: the WebSocket
 * service is off (the broker's default), reported as `unavailable` rather than retried fast.
 */
export function upgradeError(status: number, safeUrl: string): Error {
  const what = `WebSocket upgrade answered HTTP ${status}`;
  if (status === 401) return new AuthenticationError(what, safeUrl);
  if (status === 403) return new AuthorizationError(what, safeUrl);
  if (status === 404) return new ArrivalsUnavailableError(`${what}: WebSocket service is off`, safeUrl);
  return new UpgradeError(what, safeUrl, status);
}

/** A socket error: a refused connection on the ws URL is "unavailable", the rest transport errors. */
export function socketError(err: Error, safeUrl: string): Error {
  const code = "code" in err ? String(err.code) : "";
  if (code === "ECONNREFUSED") {
    return new ArrivalsUnavailableError("WebSocket service refused the connection", safeUrl, { cause: err });
  }
  return mapTransportError(err, safeUrl);
}
