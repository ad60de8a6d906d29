import { parseArgs } from "node:util";
import { isBoolWord, list, type Parser } from "./config-parsers.js";
import { ConfigError } from "./errors.js";

/**
 * Config is data: one schema per program, each field with its flag, env name, default and doc line.
 * `loadConfig` reads flags (node:util parseArgs) then env (flags win), checks every value once,
 * runs the program's cross-field rules in the same pass, and throws one ConfigError listing every
 * problem. `renderHelp` and `renderConfigTable` print the same schema for people. The value
 * parsers are in config-parsers.ts.
 */
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

// ---- reading argv and env ---------------------------------------------------------------------

interface RawValues {
  readonly values: ReadonlyMap<string, { readonly raws: string[]; readonly source: string }>;
  readonly help: boolean;
  readonly problems: string[];
}

/** Flags (parseArgs, lenient so that every bad argument is reported), then env for the rest. */
function readRaw(schema: Schema, argv: readonly string[], env: NodeJS.ProcessEnv): RawValues {
  const byFlag = new Map(Object.values(schema).map((f) => [f.flag, f]));
  const options = Object.fromEntries(
    Object.values(schema).map((f) => [
      f.flag,
      { type: f.switch ? ("boolean" as const) : ("string" as const) },
    ]),
  );
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...options, help: { type: "boolean", short: "h" } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const fromFlags = new Map<string, string[]>();
  const problems: string[] = [];
  let help = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) continue;
    if (t.kind !== "option") {
      const shown = t.kind === "positional" ? t.value : "--";
      problems.push(`unexpected argument ${JSON.stringify(shown)}: flags look like --name value`);
      continue;
    }
    if (t.name === "help") {
      help = true;
      continue;
    }
    const f = byFlag.get(t.name);
    if (!f || !t.rawName.startsWith("--")) {
      problems.push(`unknown flag ${t.rawName} (see --help)`);
      continue;
    }
    let value = t.value;
    if (f.switch && value === undefined) {
      // `--json false` as well as `--json` (parseArgs leaves the word as a positional).
      const next = tokens[i + 1];
      if (next?.kind === "positional" && isBoolWord(next.value)) {
        value = next.value;
        i++;
      } else value = "true";
    }
    if (value === undefined) {
      problems.push(`flag --${t.name} needs a value (${f.parser.describe})`);
      continue;
    }
    const prev = fromFlags.get(t.name) ?? [];
    if (prev.length > 0 && !f.repeatable) {
      problems.push(`flag --${t.name} given more than once`);
      continue;
    }
    fromFlags.set(t.name, [...prev, value]);
  }
  const values = new Map<string, { raws: string[]; source: string }>();
  for (const [key, f] of Object.entries(schema)) {
    const flagged = fromFlags.get(f.flag);
    const envRaw = env[f.env];
    if (flagged) values.set(key, { raws: flagged, source: `--${f.flag}` });
    else if (envRaw !== undefined && envRaw !== "") {
      const raws = f.repeatable ? list.parse(envRaw) : [envRaw];
      values.set(key, { raws, source: f.env });
    }
  }
  return { values, help, problems };
}

// ---- loading ----------------------------------------------------------------------------------

/** What cross-field rules see besides the values: which fields parsed, and where to report. */
export interface Checks {
  /** True when every named field parsed: a rule over a field that failed would only repeat it. */
  readonly ok: (...keys: readonly string[]) => boolean;
  /** Records a problem of the run. */
  readonly problem: (text: string) => void;
  /** Runs a step that throws ConfigError, keeping its problems; undefined when it threw. */
  readonly collect: <T>(fn: () => T) => T | undefined;
}

export type LoadResult<R> = { help: true } | { help: false; config: R };

/**
 * Reads argv and env against the schema, then `settle` derives the program's settings from the
 * values (cross-field rules, files, mode) in the same run. Throws one ConfigError listing every
 * problem; each names the flag or env variable, the value (unless secret) and what is expected.
 */
export function loadConfig<S extends Schema, R>(
  schema: S,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  settle: (cfg: ConfigOf<S>, checks: Checks) => R,
): LoadResult<R> {
  const raw = readRaw(schema, argv, env);
  if (raw.help) return { help: true };
  const problems = [...raw.problems];
  const failed = new Set<string>();
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(schema)) {
    const given = raw.values.get(key);
    if (!given) {
      if (f.required) {
        problems.push(`--${f.flag} (env ${f.env}) is required: ${f.doc}`);
        failed.add(key);
      }
      out[key] = f.repeatable ? (f.default ?? []) : f.default;
      continue;
    }
    const parsed: unknown[] = [];
    for (const item of given.raws) {
      try {
        parsed.push(f.parser.parse(item));
      } catch (err) {
        const shown = f.secret ? "(secret value)" : JSON.stringify(item);
        problems.push(`${given.source} = ${shown}: ${err instanceof Error ? err.message : String(err)}`);
        failed.add(key);
      }
    }
    // A field that failed keeps its default, so that rules guarded by ok() see a typed value.
    out[key] = failed.has(key) ? (f.repeatable ? [] : f.default) : f.repeatable ? parsed : parsed[0];
  }
  const checks: Checks = {
    ok: (...keys) => keys.every((k) => !failed.has(k)),
    problem: (text) => problems.push(text),
    collect(fn) {
      try {
        return fn();
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
        return undefined;
      }
    },
  };
  const settled = settle(Object.freeze(out) as ConfigOf<S>, checks);
  if (problems.length > 0) throw new ConfigError(problems);
  return { help: false, config: settled };
}

/** The values alone, without cross-field rules (for schemas that have none, and tests). */
export function parseConfig<S extends Schema>(
  schema: S,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): LoadResult<ConfigOf<S>> {
  return loadConfig(schema, argv, env, (cfg) => cfg);
}

// ---- rendering --------------------------------------------------------------------------------

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
