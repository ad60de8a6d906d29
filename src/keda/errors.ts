import { ScalerError } from "../lib/errors.js";

const SHOWN_MAX = 120;

function shown(value: string | undefined): string {
  if (value === undefined) return "(missing)";
  const v = value.length > SHOWN_MAX ? `${value.slice(0, SHOWN_MAX)}...` : value;
  return JSON.stringify(v);
}

/**
 * Bad trigger metadata: KEDA gets INVALID_ARGUMENT naming the key, the value and what is expected.
 * `expected` reads after the word "expected"; `reason`, when given, is a whole sentence of its own
 * (a parser's message, which may itself say "expected ...") and replaces "expected <expected>" in
 * the message, so the text never says it twice.
 */
export class MetadataError extends ScalerError {
  constructor(
    readonly key: string,
    readonly value: string | undefined,
    readonly expected: string,
    reason?: string,
  ) {
    super(`trigger metadata ${key} = ${shown(value)}: ${reason ?? `expected ${expected}`}`);
  }
}

/** The ScaledObject's namespace is not one this process serves: PERMISSION_DENIED. */
export class NamespaceNotServedError extends ScalerError {
  constructor(
    readonly namespace: string,
    readonly served: readonly string[],
  ) {
    super(
      `namespace ${JSON.stringify(namespace)} is not served by this scaler (serves: ${served.join(", ") || "none"})`,
    );
  }
}

/** GetMetrics asked for a metric this trigger does not serve: NOT_FOUND. */
export class UnknownMetricError extends ScalerError {
  constructor(
    readonly metricName: string,
    readonly expected: string,
  ) {
    super(`unknown metric ${JSON.stringify(metricName)}: this trigger serves ${JSON.stringify(expected)}`);
  }
}

/** A new stream past the bound on open streams (`--max-streams`): RESOURCE_EXHAUSTED. */
export class TooManyStreamsError extends ScalerError {
  constructor(
    readonly open: number,
    readonly max: number,
  ) {
    super(
      `cannot open another stream: ${open} KEDA streams are open, the maximum is ${max} (--max-streams, env PPS_MAX_STREAMS)`,
    );
  }
}
