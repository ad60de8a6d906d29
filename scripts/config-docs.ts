/**
 * Keeps the generated configuration tables of README.md and docs/ in step with the schemas.
 * `npx tsx scripts/config-docs.ts` rewrites them; test/docs/readme.test.ts fails when they differ.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sidecarSchema } from "../sidecar/config.js";
import { demoSchema } from "../src/demo/config.js";
import { hubSchema } from "../src/hub/config.js";
import { renderConfigTable, type Schema } from "../src/lib/config.js";

/** Each document with the tables it holds, by marker name. */
export const GENERATED_DOCS: Readonly<Record<string, Readonly<Record<string, Schema>>>> = {
  "README.md": { hub: hubSchema },
  "docs/configuration.md": { hub: hubSchema },
  "docs/sidecar.md": { sidecar: sidecarSchema },
  "docs/demo.md": { demo: demoSchema },
};

/** The text with every `<!-- config:NAME:start -->...<!-- config:NAME:end -->` block regenerated. */
export function withConfigTables(
  text: string,
  tables: Readonly<Record<string, Schema>> = { hub: hubSchema },
): string {
  let out = text;
  for (const [name, schema] of Object.entries(tables)) {
    const start = `<!-- config:${name}:start -->`;
    const end = `<!-- config:${name}:end -->`;
    const i = out.indexOf(start);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`the document lacks the ${start} ... ${end} markers`);
    const block = `${start}\n<!-- prettier-ignore-start -->\n${renderConfigTable(schema)}\n<!-- prettier-ignore-end -->\n`;
    out = out.slice(0, i) + block + out.slice(j);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, tables] of Object.entries(GENERATED_DOCS)) {
    const path = new URL(`../${file}`, import.meta.url);
    writeFileSync(path, withConfigTables(readFileSync(path, "utf8"), tables));
  }
}
