import { pino, type Logger, type LevelWithSilent } from "pino";
import { oneOf } from "./config-parsers.js";
import { field } from "./config.js";

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = [
  "fatal",
  "error",
  "warn",
  "info",
  "debug",
  "trace",
  "silent",
];

/** The `--log-level` field every program's schema has, under that program's env name. */
export function logLevelField(env: string, doc = "log level") {
  return field<LevelWithSilent>({ flag: "log-level", env, doc, parser: oneOf(LOG_LEVELS), default: "info" });
}

/**
 * The one root logger of a program (JSON lines on stdout, or on `destination`). Components get
 * `logger.child({ component: "..." })`. Secrets are redacted by path wherever they appear.
 */
export function createLogger(level: LevelWithSilent, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    redact: {
      paths: [
        "token",
        "*.token",
        "password",
        "*.password",
        "clientSecret",
        "*.clientSecret",
        "authorization",
        "*.authorization",
        "headers.authorization",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
