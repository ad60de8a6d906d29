import { ScalerError } from "../lib/errors.js";

/**
 * A failure the simulator reports the way a broker would: an HTTP status and the `reason` text of
 * Pulsar's ErrorData body. Model code throws these; the HTTP and WebSocket layers map them.
 */
export class SimRestError extends ScalerError {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** 404: topic, partitioned topic, subscription, namespace or tenant does not exist. */
export class SimNotFoundError extends SimRestError {
  constructor(reason: string) {
    super(404, reason);
  }
}

/** 409: the thing already exists, or an Exclusive subscription is busy. */
export class SimConflictError extends SimRestError {
  constructor(reason: string) {
    super(409, reason);
  }
}

/** 412: invalid names, or an operation refused in the current state. */
export class SimPreconditionError extends SimRestError {
  constructor(reason: string) {
    super(412, reason);
  }
}

/**
 * A broker's NotAllowedException (405 on the admin API). The WebSocket service turns it into a 500
 * "Failed to create producer/consumer: ..." (AbstractWebSocketHandler's getErrorCode has no case for it).
 */
export class SimNotAllowedError extends SimRestError {
  constructor(reason: string) {
    super(405, reason);
  }
}

/** 400/406: a malformed request argument. */
export class SimBadRequestError extends SimRestError {
  constructor(reason: string, status = 400) {
    super(status, reason);
  }
}

/** A message id that is not base64 of a MessageIdData protobuf. */
export class InvalidMessageIdError extends ScalerError {}

/** A JWT that does not verify (bad shape, signature, algorithm, or expired). */
export class InvalidTokenError extends ScalerError {}
