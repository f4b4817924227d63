/**
 * A minimal ustar writer: regular files only, enough for a build context of a few small files.
 * (A dependency for 40 lines of a format fixed since 1988 is not worth it.)
 */
export interface TarEntry {
  name: string;
  data: Buffer;
  /** Unix permission bits; 0o644 unless told. */
  mode?: number;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  // width - 1 digits then NUL, as ustar expects.
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

function header({ name, data, mode = 0o644 }: TarEntry): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, "utf8");
  h.write(octal(mode, 8), 100, "latin1");
  h.write(octal(0, 8), 108, "latin1"); // uid
  h.write(octal(0, 8), 116, "latin1"); // gid
  h.write(octal(data.length, 12), 124, "latin1");
  h.write(octal(0, 12), 136, "latin1"); // mtime: fixed, so the same files give the same tar
  h.write("        ", 148, "latin1"); // checksum field counts as spaces while summing
  h.write("0", 156, "latin1"); // regular file
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
  return h;
}

/** The whole archive in memory: each header, its data padded to 512 bytes, two zero blocks. */
export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry), entry.data);
    const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
