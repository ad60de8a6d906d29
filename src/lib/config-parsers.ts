import { z } from "zod";

/**
 * The parsers of flag and env values. A rule that a file also checks (a URL, a range) is a zod
 * schema, so that the flag and the file share it; `fromZod` and `integer` turn one into a Parser.
 */
export interface Parser<T> {
  /** Throws an Error whose message says what was expected, e.g. "expected an integer in 1..65535". */
  parse(raw: string): T;
  /** Short type description for help and docs, e.g. "integer 1..65535". */
  readonly describe: string;
}

/** The first message of a failed zod check, as a Parser reports it. */
function zodProblem(error: z.ZodError): string {
  return error.issues[0]?.message ?? "invalid value";
}

/** A Parser whose rule is a zod schema over the raw string (the same schema can check a file). */
export function fromZod<T>(describe: string, schema: z.ZodType<T, string>): Parser<T> {
  return {
    describe,
    parse(raw) {
      const r = schema.safeParse(raw);
      if (!r.success) throw new Error(zodProblem(r.error));
      return r.data;
    },
  };
}

export const str: Parser<string> = fromZod("string", z.string().min(1, "expected a non-empty string"));

/** An integer flag checked by `range`, a zod integer schema (its bounds are shown in help). */
export function integer(range: z.ZodNumber): Parser<number> {
  const span = `${range.minValue ?? ""}..${range.maxValue ?? ""}`;
  const expected = `expected an integer in ${span}`;
  return {
    describe: `integer ${span}`,
    parse(raw) {
      const text = raw.trim();
      const n = Number(text);
      if (!/^-?\d+$/.test(text) || !range.safeParse(n).success) throw new Error(expected);
      return n;
    },
  };
}

export function int(min: number, max: number): Parser<number> {
  return integer(z.int().min(min).max(max));
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
export function urlSchema(protocols: readonly string[], what: string): z.ZodType<string, string> {
  return z.string(`expected ${what}`).transform((raw, ctx) => {
    let u: URL | undefined;
    try {
      u = new URL(raw);
    } catch {
      u = undefined;
    }
    if (u === undefined || !protocols.includes(u.protocol)) {
      ctx.addIssue({ code: "custom", message: `expected ${what}` });
      return z.NEVER;
    }
    return raw.replace(/\/+$/, "");
  });
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
