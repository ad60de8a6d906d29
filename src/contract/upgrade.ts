import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { bearerMatches } from "./bearer.js";

/**
 * The HTTP side of the channel: where a sidecar connects, how the upgrade is authenticated and how
 * a refused upgrade is answered. The hub's gateway uses it; so does the fake hub of the tests, so
 * both answer a sidecar the same way.
 */

/** Path of the sidecar endpoint; any other path gets 404. */
export const SIDECAR_PATH = "/v1/sidecars";

/** Whether the upgrade request carries `expected` as its bearer token (see bearerMatches). */
export function upgradeAuthorized(req: IncomingMessage, expected: string): boolean {
  return bearerMatches(req.headers.authorization, expected);
}

/**
 * Answers an upgrade with an HTTP error instead of a WebSocket and closes the socket. A 401 carries
 * `WWW-Authenticate: Bearer`, so the sidecar knows a token is expected.
 */
export function refuseUpgrade(socket: Duplex, status: number): void {
  const text = STATUS_CODES[status] ?? "Error";
  const body = `${text}\n`;
  const auth = status === 401 ? 'WWW-Authenticate: Bearer realm="pulsar-push-scaler"\r\n' : "";
  socket.once("finish", () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n` +
      `Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${auth}\r\n${body}`,
  );
}
