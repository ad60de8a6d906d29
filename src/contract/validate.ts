import { FrameError } from "./errors.js";

/**
 * Hand-written validator combinators (no dependency). A Validator returns a fresh, typed copy of
 * the value or throws FrameError("invalid") naming the field path, what was expected and what kind
 * of value was found. Messages never quote a received value, only field names (cut short).
 */
export type Validator<T> = (value: unknown, path: string) => T;

/** Short description of a value's kind, for "got ..." in messages. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && !Number.isFinite(value)) return "a non-finite number";
  return `a ${typeof value}`;
}

export function fail(path: string, expected: string, value: unknown): never {
  if (value === undefined) throw new FrameError("invalid", `${path}: missing, expected ${expected}`);
  throw new FrameError("invalid", `${path}: expected ${expected}, got ${kindOf(value)}`);
}

/** A field name as it may appear in a message: quoted, at most 40 chars. */
export function fieldName(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
}

// Control characters (C0, DEL, C1) have no place in names and ids; they would corrupt logs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export interface StringRule {
  readonly maxChars?: number;
  readonly maxBytes?: number;
  /** Default 1 (non-empty). */
  readonly minChars?: number;
  /** Allow control characters such as newlines (free text). Default false. */
  readonly freeText?: boolean;
}

export function str(rule: StringRule): Validator<string> {
  const min = rule.minChars ?? 1;
  const bound =
    rule.maxBytes !== undefined ? `at most ${rule.maxBytes} UTF-8 bytes` : `at most ${rule.maxChars} chars`;
  const expected = `${min > 0 ? "a non-empty string" : "a string"} of ${bound}`;
  return (value, path) => {
    if (typeof value !== "string") return fail(path, expected, value);
    if (value.length < min) throw new FrameError("invalid", `${path}: expected ${expected}, got ""`);
    const tooLong =
      (rule.maxChars !== undefined && value.length > rule.maxChars) ||
      (rule.maxBytes !== undefined && Buffer.byteLength(value, "utf8") > rule.maxBytes);
    if (tooLong) throw new FrameError("invalid", `${path}: expected ${expected}, got a longer string`);
    if (!rule.freeText && CONTROL.test(value)) {
      throw new FrameError("invalid", `${path}: expected ${expected} without control characters`);
    }
    return value;
  };
}

/** A safe integer in min..max. */
export function int(min: number, max: number): Validator<number> {
  const expected = `an integer in ${min}..${max}`;
  return (value, path) => {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
      return fail(path, expected, value);
    }
    return value;
  };
}

/** A finite number >= min. */
export function finite(min: number): Validator<number> {
  const expected = `a finite number >= ${min}`;
  return (value, path) => {
    if (typeof value !== "number" || !Number.isFinite(value) || value < min)
      return fail(path, expected, value);
    return value;
  };
}

export function bool(): Validator<boolean> {
  return (value, path) => (typeof value === "boolean" ? value : fail(path, "true or false", value));
}

/** A field that may be absent (then left out of the copy); when present it must pass `item`. */
export function optional<T>(item: Validator<T>): Validator<T | undefined> {
  return (value, path) => (value === undefined ? undefined : item(value, path));
}

export function literal<T extends string | number>(expectedValue: T): Validator<T> {
  const expected = JSON.stringify(expectedValue);
  return (value, path) => {
    if (value !== expectedValue) return fail(path, expected, value);
    return expectedValue;
  };
}

export function arr<T>(item: Validator<T>, maxItems: number): Validator<T[]> {
  const expected = `an array of at most ${maxItems} items`;
  return (value, path) => {
    if (!Array.isArray(value) || value.length > maxItems) {
      return fail(path, expected, Array.isArray(value) ? "a longer array" : value);
    }
    return value.map((v, i) => item(v, `${path}[${i}]`));
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export type Shape<T> = { readonly [K in keyof T]-?: Validator<T[K]> };

/**
 * An object with exactly these fields: every one required unless `optional`, no other field
 * allowed. An absent optional field is left out of the copy (never set to undefined).
 */
export function obj<T>(shape: Shape<T>): Validator<T> {
  const fields = Object.keys(shape) as (keyof T & string)[];
  const allowed = new Set<string>(fields);
  return (value, path) => {
    if (!isPlainObject(value)) return fail(path, "an object", value);
    for (const name of Object.keys(value)) {
      if (!allowed.has(name)) {
        throw new FrameError(
          "invalid",
          `${path}: unknown field ${fieldName(name)} (fields: ${fields.join(", ")})`,
        );
      }
    }
    const out: Partial<Record<keyof T, unknown>> = {};
    for (const name of fields) {
      const own = Object.prototype.hasOwnProperty.call(value, name);
      const checked = shape[name](own ? value[name] : undefined, `${path}.${name}`);
      if (checked !== undefined) out[name] = checked;
    }
    return out as T;
  };
}
