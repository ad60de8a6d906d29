#!/usr/bin/env node
/**
 * The one binary: `pulsar-push-scaler <hub|sidecar|sim|demo|check> [flags]`.
 * Each subcommand's module exports `run(argv)` resolving to the exit code; it is the composition
 * root of that program. Modules are loaded lazily so `sim` does not load gRPC and so on.
 */
import { ConfigError } from "./lib/errors.js";

type Run = (argv: readonly string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Run> }> = {
  hub: {
    summary: "serve KEDA's external scaler gRPC service for a namespace",
    load: async () => (await import("./hub/main.js")).run,
  },
  sidecar: {
    summary: "watch Pulsar from a consumer pod and report to the hub (or serve KEDA standalone)",
    // The CLI is the single composition point of all programs; it alone may load sidecar/.
    load: async () => (await import("../sidecar/main.js")).run,
  },
  sim: {
    summary: "run the Pulsar simulator (admin REST + WebSocket API)",
    load: async () => (await import("./sim/main.js")).run,
  },
  demo: {
    summary: "run simulator, hub, sidecars, traffic and a KEDA emulator on loopback",
    load: async () => (await import("./demo/main.js")).run,
  },
  check: {
    summary: "read Pulsar once and show what KEDA would be answered for a trigger",
    load: async () => (await import("./check/main.js")).run,
  },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `Usage: pulsar-push-scaler <command> [flags]\n\nCommands:\n${rows.join("\n")}\n\nRun 'pulsar-push-scaler <command> --help' for the flags of a command.\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  const run = await command.load();
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
