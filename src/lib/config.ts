import { ConfigError } from "./errors.js";

/**
 * Config is data: one schema per program, each field with its flag, env name, default and doc line.
 * `parseConfig` reads flags then env (flags win), reports every problem together, and returns a
 * frozen typed object. `renderHelp` and `renderConfigTable` print the same schema for people.
 */
export interface Parser<T> {
  /** Throws an Error whose message says what was expected, e.g. "expected an integer in 1..65535". */
  parse(raw: string): T;
  /** Short type description for help and docs, e.g. "integer 1..65535". */
  readonly describe: string;
}

export interface FieldSpec<T> {
  readonly flag: string;
  readonly env: string;
  readonly doc: string;
  readonly parser: Parser<T>;
  /** Value when neither flag nor env is given; `undefined` with `required` unset means optional. */
  readonly default: T | undefined;
  readonly required?: boolean;
  /** Flag may repeat; env is comma-separated. The parser receives each item. */
  readonly repeatable?: boolean;
  /** Value is never printed (help shows the env name only). */
  readonly secret?: boolean;
  /** Flag given without a value means "true" (booleans). */
  readonly switch?: boolean;
}

export type Schema = Readonly<Record<string, FieldSpec<unknown>>>;

type ValueOf<F> =
  F extends FieldSpec<infer T>
    ? F extends { repeatable: true }
      ? T[]
      : F extends { required: true }
        ? T
        : F extends { default: undefined }
          ? T | undefined
          : T
    : never;

export type ConfigOf<S extends Schema> = { readonly [K in keyof S]: ValueOf<S[K]> };

export function field<T>(spec: FieldSpec<T>): FieldSpec<T> {
  return spec;
}

// ---- parsers ----------------------------------------------------------------------------------

export const str: Parser<string> = {
  describe: "string",
  parse(raw) {
    if (raw.length === 0) throw new Error("expected a non-empty string");
    return raw;
  },
};

export function int(min: number, max: number): Parser<number> {
  return {
    describe: `integer ${min}..${max}`,
    parse(raw) {
      if (!/^-?\d+$/.test(raw.trim())) throw new Error(`expected an integer in ${min}..${max}`);
      const n = Number(raw.trim());
      if (!Number.isSafeInteger(n) || n < min || n > max)
        throw new Error(`expected an integer in ${min}..${max}`);
      return n;
    },
  };
}

export const bool: Parser<boolean> = {
  describe: "true|false",
  parse(raw) {
    const v = raw.trim().toLowerCase();
    if (v === "true" || v === "1" || v === "yes") return true;
    if (v === "false" || v === "0" || v === "no") return false;
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

export const url: Parser<string> = {
  describe: "URL",
  parse(raw) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new Error("expected an absolute URL such as http://host:8080");
    }
    if (!["http:", "https:", "ws:", "wss:"].includes(u.protocol)) {
      throw new Error("expected an http(s):// or ws(s):// URL");
    }
    return raw.replace(/\/+$/, "");
  },
};

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

// ---- parsing ----------------------------------------------------------------------------------

export interface ParsedArgs {
  readonly values: ReadonlyMap<string, string[]>;
  readonly help: boolean;
  readonly problems: string[];
}

function readArgs(schema: Schema, argv: readonly string[]): ParsedArgs {
  const byFlag = new Map(Object.values(schema).map((f) => [f.flag, f]));
  const values = new Map<string, string[]>();
  const problems: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      problems.push(`unexpected argument ${JSON.stringify(arg)}: flags look like --name value`);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const f = byFlag.get(name);
    if (!f) {
      problems.push(`unknown flag --${name} (see --help)`);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (f.switch && (argv[i + 1] === undefined || argv[i + 1]?.startsWith("--"))) value = "true";
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) {
      problems.push(`flag --${name} needs a value (${f.parser.describe})`);
      continue;
    }
    const prev = values.get(name) ?? [];
    if (prev.length > 0 && !f.repeatable) {
      problems.push(`flag --${name} given more than once`);
      continue;
    }
    values.set(name, [...prev, value]);
  }
  return { values, help, problems };
}

export type ParseResult<S extends Schema> = { help: true } | { help: false; config: ConfigOf<S> };

/**
 * Parses argv and env against the schema. Throws ConfigError listing every problem found.
 * Each problem names the flag, the env variable, the value (unless secret) and what is expected.
 */
export function parseConfig<S extends Schema>(
  schema: S,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): ParseResult<S> {
  const args = readArgs(schema, argv);
  if (args.help) return { help: true };
  const problems = [...args.problems];
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(schema)) {
    const fromFlag = args.values.get(f.flag);
    const envRaw = env[f.env];
    const raws: string[] | undefined =
      fromFlag ??
      (envRaw !== undefined && envRaw !== ""
        ? f.repeatable
          ? envRaw
              .split(",")
              .map((s) => s.trim())
              .filter((s) => s.length > 0)
          : [envRaw]
        : undefined);
    const source = fromFlag ? `--${f.flag}` : `${f.env}`;
    if (!raws) {
      if (f.required) problems.push(`--${f.flag} (env ${f.env}) is required: ${f.doc}`);
      out[key] = f.repeatable ? (f.default ?? []) : f.default;
      continue;
    }
    const parsed: unknown[] = [];
    for (const raw of raws) {
      try {
        parsed.push(f.parser.parse(raw));
      } catch (err) {
        const shown = f.secret ? "(secret value)" : JSON.stringify(raw);
        problems.push(`${source} = ${shown}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    out[key] = f.repeatable ? parsed : parsed[0];
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { help: false, config: Object.freeze(out) as ConfigOf<S> };
}

function shownDefault(f: FieldSpec<unknown>): string {
  if (f.secret) return "";
  if (f.default === undefined) return f.required ? "(required)" : "";
  if (Array.isArray(f.default)) return f.default.join(",");
  const d = f.default;
  if (typeof d === "string" || typeof d === "number" || typeof d === "boolean") return String(d);
  return JSON.stringify(d) ?? "";
}

/** `--help` text: usage line, description, then one line per flag with env name and default. */
export function renderHelp(usage: string, description: string, schema: Schema): string {
  const rows = Object.values(schema).map((f) => {
    const left = `  --${f.flag}${f.switch ? "" : ` <${f.parser.describe}>`}`;
    const def = shownDefault(f);
    const right = `${f.doc}${f.repeatable ? " (repeatable)" : ""}\n      env ${f.env}${def ? `, default ${def}` : ""}`;
    return `${left}\n      ${right}`;
  });
  return `Usage: ${usage}\n\n${description}\n\nFlags:\n${rows.join("\n")}\n  --help\n      print this help\n`;
}

/** The README configuration table for a schema (a test keeps the README in step with it). */
export function renderConfigTable(schema: Schema): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const lines = ["| flag | env | default | description |", "| --- | --- | --- | --- |"];
  for (const f of Object.values(schema)) {
    const def = shownDefault(f);
    lines.push(
      `| \`--${f.flag}\` | \`${f.env}\` | ${def ? `\`${esc(def)}\`` : ""} | ${esc(f.doc)}${f.repeatable ? " (repeatable)" : ""} |`,
    );
  }
  return lines.join("\n");
}
