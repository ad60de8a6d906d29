import assert from "node:assert/strict";
import { test } from "node:test";
import { bool, int, str } from "../../src/lib/config-parsers.js";
import { field, parseConfig } from "../../src/lib/config.js";
import { configProblems } from "../support/config-problems.js";

const schema = {
  port: field({ flag: "port", env: "T_PORT", doc: "a port", parser: int(0, 65535), default: 80 }),
  name: field({ flag: "name", env: "T_NAME", doc: "a name", parser: str, default: undefined }),
  json: field({ flag: "json", env: "T_JSON", doc: "json", parser: bool, default: false, switch: true }),
  tag: {
    ...field({ flag: "tag", env: "T_TAG", doc: "tags", parser: str, default: undefined }),
    repeatable: true as const,
  },
};

function problems(argv: string[], env: NodeJS.ProcessEnv = {}): readonly string[] {
  return configProblems(() => parseConfig(schema, argv, env));
}

void test("argv: --flag value, --flag=value, switches with or without a word, env for the rest, flags win", () => {
  const r = parseConfig(schema, ["--port=81", "--json", "--tag", "a", "--tag=b"], {
    T_PORT: "9",
    T_NAME: "n",
  });
  assert.deepEqual(!r.help && { ...r.config }, { port: 81, name: "n", json: true, tag: ["a", "b"] });
  const off = parseConfig(schema, ["--json", "false", "--port", "1"], { T_TAG: "x, y" });
  assert.deepEqual(!off.help && { ...off.config }, {
    port: 1,
    name: undefined,
    json: false,
    tag: ["x", "y"],
  });
  assert.deepEqual(parseConfig(schema, ["--port", "x", "-h"], {}), { help: true });
});

void test("argv: every bad argument is reported together", () => {
  assert.deepEqual(problems(["stray", "--nope", "-x", "--port", "1", "--port", "2", "--name", "--", "z"]), [
    'unexpected argument "stray": flags look like --name value',
    "unknown flag --nope (see --help)",
    "unknown flag -x (see --help)",
    "flag --port given more than once",
    // --name takes the next argument ("--") as its value, as before; "z" is then positional.
    'unexpected argument "z": flags look like --name value',
  ]);
  assert.deepEqual(problems(["--name"]), ["flag --name needs a value (string)"]);
  assert.deepEqual(problems(["--json", "maybe"]), [
    'unexpected argument "maybe": flags look like --name value',
  ]);
});
