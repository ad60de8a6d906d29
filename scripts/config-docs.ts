/**
 * Keeps the generated configuration tables of README.md in step with the schemas.
 * `npx tsx scripts/config-docs.ts` rewrites them; test/docs/readme.test.ts fails when they differ.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { hubSchema } from "../src/hub/config.js";
import { renderConfigTable, type Schema } from "../src/lib/config.js";

export const GENERATED_TABLES: Readonly<Record<string, Schema>> = { hub: hubSchema };

/** The text with every `<!-- config:NAME:start -->...<!-- config:NAME:end -->` block regenerated. */
export function withConfigTables(text: string): string {
  let out = text;
  for (const [name, schema] of Object.entries(GENERATED_TABLES)) {
    const start = `<!-- config:${name}:start -->`;
    const end = `<!-- config:${name}:end -->`;
    const i = out.indexOf(start);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`README.md lacks the ${start} ... ${end} markers`);
    const block = `${start}\n<!-- prettier-ignore-start -->\n${renderConfigTable(schema)}\n<!-- prettier-ignore-end -->\n`;
    out = out.slice(0, i) + block + out.slice(j);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = new URL("../README.md", import.meta.url);
  writeFileSync(path, withConfigTables(readFileSync(path, "utf8")));
}
