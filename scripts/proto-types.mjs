// Writes src/keda/generated/ from proto/externalscaler.proto with proto-loader-gen-types, using the
// flags that match PROTO_LOADER_OPTIONS in src/keda/proto.ts. With --check (run by `npm run lint`)
// it generates into a temporary folder and fails when the checked-in files differ: the generated
// types are never edited by hand.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "src/keda/generated");
const FLAGS = [
  "--keepCase",
  "--longs=Number",
  "--enums=String",
  "--defaults",
  "--oneofs",
  "--includeComments",
  "--grpcLib=@grpc/grpc-js",
  "--importFileExtension=.js",
  "-I",
  "proto",
];

function generate(outDir) {
  const bin = join(root, "node_modules/.bin/proto-loader-gen-types");
  execFileSync(bin, [...FLAGS, "-O", outDir, "externalscaler.proto"], { cwd: root, stdio: "inherit" });
}

/** Every file under `dir`, as paths relative to it, sorted. */
function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function check() {
  const fresh = mkdtempSync(join(tmpdir(), "pps-proto-types-"));
  try {
    generate(fresh);
    const want = files(fresh);
    const have = files(target);
    const same = (f) => readFileSync(join(fresh, f), "utf8") === readFileSync(join(target, f), "utf8");
    return [
      ...want.filter((f) => !have.includes(f)).map((f) => `missing: src/keda/generated/${f}`),
      ...have.filter((f) => !want.includes(f)).map((f) => `not generated: src/keda/generated/${f}`),
      ...want.filter((f) => have.includes(f) && !same(f)).map((f) => `out of date: src/keda/generated/${f}`),
    ];
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

if (process.argv.includes("--check")) {
  const problems = check();
  if (problems.length > 0) {
    const hint = "src/keda/generated/ does not match proto/: run `npm run gen:proto`";
    process.stderr.write(`${problems.join("\n")}\n${hint}\n`);
    process.exitCode = 1;
  }
} else {
  rmSync(target, { recursive: true, force: true });
  generate(target);
}
