// After `tsc`, dist/ mirrors the source tree (dist/src, dist/sidecar). The package's bin is
// dist/cli.js: a two-line entry that loads the compiled CLI.
import { chmodSync, writeFileSync } from "node:fs";
writeFileSync("dist/cli.js", '#!/usr/bin/env node\nimport "./src/cli.js";\n');
chmodSync("dist/cli.js", 0o755);
