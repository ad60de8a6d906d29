/**
 * CRC32C (Castagnoli: reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF), the
 * checksum of Pulsar payload frames over `[metadataSize][metadata][payload]`. Node 20 has no
 * built-in CRC32C (zlib's crc32 is the other polynomial), so this is the byte-wise table version:
 * fast enough for tripwire traffic and the simulator.
 */
const POLYNOMIAL = 0x82f63b78;

/** The 256-entry table, computed once and never written again. */
const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C of the given byte ranges taken in order, as an unsigned 32-bit number. */
export function crc32c(...parts: readonly Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const bytes of parts) {
    for (const byte of bytes) crc = (TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
