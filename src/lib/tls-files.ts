import { readFileSync, statSync } from "node:fs";
import { createSecureContext } from "node:tls";

/** A server certificate and key as PEM files, and optionally a CA that signs client certificates. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** When set, clients are asked for a certificate and it is verified against this CA. */
  readonly clientCaFile?: string;
}

/** The PEM contents of TlsFiles, as node:tls options take them. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

export function readTlsFiles(files: TlsFiles): TlsMaterial {
  return {
    cert: readFileSync(files.certFile),
    key: readFileSync(files.keyFile),
    ...(files.clientCaFile !== undefined && { ca: readFileSync(files.clientCaFile) }),
  };
}

/** mtime, size and inode of each file: a mounted Secret rotates by swapping a symlink (new inode). */
function stampOf(files: TlsFiles): string {
  return [files.certFile, files.keyFile, files.clientCaFile]
    .filter((f): f is string => f !== undefined)
    .map((f) => {
      const s = statSync(f);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    })
    .join("|");
}

/**
 * TLS files that may rotate. `changed()` stats them (three statSync calls) and, when one changed
 * since the last load, reads and checks them (a trial SecureContext): the caller installs them
 * with `server.setSecureContext`. A half-written rotation (a key that does not match its certificate,
 * a file missing for a moment) throws and keeps the stamp unchanged, so the next call tries again
 * and the old context keeps serving meanwhile.
 */
export class RotatingTlsFiles {
  private stamp: string;
  /** The material read at construction: a missing or invalid file fails the program's start. */
  readonly initial: TlsMaterial;

  constructor(readonly files: TlsFiles) {
    this.stamp = stampOf(files);
    this.initial = readTlsFiles(files);
    createSecureContext(this.initial); // a mismatched pair fails here, at start
  }

  /** The new material when a file changed since the last successful load, else undefined. */
  changed(): TlsMaterial | undefined {
    const now = stampOf(this.files);
    if (now === this.stamp) return undefined;
    const material = readTlsFiles(this.files);
    createSecureContext(material);
    this.stamp = now;
    return material;
  }
}
