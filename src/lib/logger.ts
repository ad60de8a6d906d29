import { pino, type Logger, type LevelWithSilent } from "pino";

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
