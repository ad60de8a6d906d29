/**
 * Base of every error the project raises on purpose. Subclasses are small, named, carry `cause`,
 * and are checked with `instanceof`, never by message text (docs/architecture.md, Errors).
 */
export class ScalerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad configuration (flags, env, files). `problems` lists every problem found, not just the first. */
export class ConfigError extends ScalerError {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
  }
}

/** Text of an unknown thrown value, for messages. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
