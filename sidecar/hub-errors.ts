import { ScalerError } from "../src/lib/errors.js";

/** Why the connection to the hub was lost or could not be made. Checked with `instanceof`. */
export class HubConnectionError extends ScalerError {}

/** The token source threw (e.g. the token file is missing). */
export class TokenUnavailableError extends HubConnectionError {}

/** The hub answered the upgrade with an HTTP status (401: wrong token, 404: wrong path...). */
export class HubRejectedError extends HubConnectionError {
  constructor(readonly status: number) {
    super(`hub refused the connection with HTTP ${status}`);
  }
}

/** The hub closed the session; `code` and `reason` say why (docs/sidecar-protocol.md). */
export class HubClosedError extends HubConnectionError {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`hub closed the connection: ${code}${reason ? ` ${reason}` : ""}`);
  }
}

/** The hub sent a frame this sidecar cannot accept (cause: the FrameError). */
export class HubProtocolError extends HubConnectionError {}

/** No welcome in time after connecting, or no frame from the hub within the lease timeout. */
export class HubTimeoutError extends HubConnectionError {}

/** Network failure: refused, reset, DNS, TLS (cause: the socket error). */
export class HubUnreachableError extends HubConnectionError {}
