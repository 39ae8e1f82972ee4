import { gzipSync } from 'node:zlib';

/**
 * A gzip-compressed tar (POSIX ustar) of in-memory files: a 512-byte header per file, the content
 * padded to 512 bytes, two zero blocks at the end. Paths longer than 100 bytes use the ustar prefix
 * field (up to 255 bytes in all); longer ones are refused rather than silently cut.
 */
export function tarGz(files: Array<{ path: string; content: string | Buffer }>, mtime = new Date()): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    blocks.push(header(file.path, content.length, mtime), content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function header(path: string, size: number, mtime: Date): Buffer {
  const block = Buffer.alloc(512);
  const bytes = Buffer.from(path, 'utf8');
  let name = bytes;
  let prefix = Buffer.alloc(0);
  if (bytes.length > 100) {
    const cut = path.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(path.slice(cut + 1)) > 100)
      throw new RangeError(`path too long for tar: ${path}`);
    prefix = Buffer.from(path.slice(0, cut), 'utf8');
    name = Buffer.from(path.slice(cut + 1), 'utf8');
  }
  name.copy(block, 0);
  block.write('0000644\0', 100, 'ascii');
  block.write('0000000\0', 108, 'ascii');
  block.write('0000000\0', 116, 'ascii');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  block.write(
    `${Math.floor(mtime.getTime() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    'ascii',
  );
  block.write('        ', 148, 'ascii');
  block.write('0', 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  prefix.copy(block, 345);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}
