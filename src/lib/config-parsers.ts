import * as v from "valibot";

/**
 * The parsers of flag and env values. A rule that a file also checks (a URL, a range) is a valibot
 * schema, so that the flag and the file share it; `fromSchema` and `integer` turn one into a Parser.
 */
export interface Parser<T> {
  /** Throws an Error whose message says what was expected, e.g. "expected an integer in 1..65535". */
  parse(raw: string): T;
  /** Short type description for help and docs, e.g. "integer 1..65535". */
  readonly describe: string;
}

/** A Parser whose rule is a valibot schema over the raw string (the same schema can check a file). */
export function fromSchema<T>(describe: string, schema: v.GenericSchema<string, T>): Parser<T> {
  return {
    describe,
    parse(raw) {
      const r = v.safeParse(schema, raw);
      // The first message of a failed check, as a Parser reports it.
      if (!r.success) throw new Error(r.issues[0]?.message ?? "invalid value");
      return r.output;
    },
  };
}

export const str: Parser<string> = fromSchema(
  "string",
  v.pipe(v.string(), v.minLength(1, "expected a non-empty string")),
);

/** An integer schema in min..max; `message`, when given, is the message of every failed check. */
export type IntSchema = v.SchemaWithPipe<
  readonly [
    v.NumberSchema<string | undefined>,
    v.IntegerAction<number, string | undefined>,
    v.MinValueAction<number, number, string | undefined>,
    v.MaxValueAction<number, number, string | undefined>,
  ]
>;

export function intSchema(min: number, max: number, message?: string): IntSchema {
  const checks = v.pipe(
    v.number(message),
    v.integer(message),
    v.minValue(min, message),
    v.maxValue(max, message),
  );
  // The first failed check is the problem (a fraction out of range is one problem, not two).
  return v.config(checks, { abortPipeEarly: true });
}

/** The bounds of an IntSchema, as help and messages show them: "1..65535". */
export function intSpan(range: IntSchema): string {
  return `${range.pipe[2].requirement}..${range.pipe[3].requirement}`;
}

/** An integer flag checked by `range`, an IntSchema (its bounds are shown in help). */
export function integer(range: IntSchema): Parser<number> {
  const span = intSpan(range);
  const expected = `expected an integer in ${span}`;
  return {
    describe: `integer ${span}`,
    parse(raw) {
      const text = raw.trim();
      const n = Number(text);
      if (!/^-?\d+$/.test(text) || !v.is(range, n)) throw new Error(expected);
      return n;
    },
  };
}

export function int(min: number, max: number): Parser<number> {
  return integer(intSchema(min, max));
}

const TRUE = ["true", "1", "yes"];
const FALSE = ["false", "0", "no"];

/** A word a switch accepts after it (`--json false`). */
export function isBoolWord(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  return TRUE.includes(v) || FALSE.includes(v);
}

export const bool: Parser<boolean> = {
  describe: "true|false",
  parse(raw) {
    const v = raw.trim().toLowerCase();
    if (TRUE.includes(v)) return true;
    if (FALSE.includes(v)) return false;
    throw new Error("expected true or false");
  },
};

export function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return {
    describe: values.join("|"),
    parse(raw) {
      if ((values as readonly string[]).includes(raw)) return raw as T;
      throw new Error(`expected one of ${values.join(", ")}`);
    },
  };
}

/**
 * A URL of one of `protocols` (e.g. ["http:", "https:"]), trailing slashes removed; `what` says
 * what is expected, e.g. "an http:// or https:// URL". Flags and the clusters file share these.
 */
export function urlSchema(protocols: readonly string[], what: string): v.GenericSchema<string, string> {
  const message = `expected ${what}`;
  return v.pipe(
    v.string(message),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      let u: URL | undefined;
      try {
        u = new URL(dataset.value);
      } catch {
        u = undefined;
      }
      if (u === undefined || !protocols.includes(u.protocol)) {
        addIssue({ message });
        return NEVER;
      }
      return dataset.value.replace(/\/+$/, "");
    }),
  );
}

/** Comma-separated list of non-empty strings. */
export const list: Parser<string[]> = {
  describe: "comma-separated list",
  parse(raw) {
    return raw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  },
};
