import { ScalerError } from "../lib/errors.js";

/** No observation within the staleness bound (or none yet): KEDA gets UNAVAILABLE, never a 0. */
export class NoFreshDataError extends ScalerError {}

/** The registry is full (keys or ScaledObjects): KEDA gets RESOURCE_EXHAUSTED. */
export class CapacityError extends ScalerError {}
