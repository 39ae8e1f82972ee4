import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from '@pocdojo/shared';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  /** Vite puts a content hash in every file under assets/: those never change and may be cached for good. */
  immutable: boolean;
}

/**
 * Serves the built web app (`clients/web/dist`) at `/`. The files are read once at start (the build is
 * a few hundred kilobytes); any path that is not a file gets `index.html`, so the app's own routes
 * (`/dojos/abc`) survive a reload. Without a build, `/` says how to make one.
 */
export async function attachWebApp(app: TemplatedApp, root: string, logger: Logger): Promise<void> {
  const assets = new Map<string, Asset>();
  try {
    for (const file of await listFiles(root)) {
      const path = '/' + relative(root, file).split('\\').join('/');
      assets.set(path, {
        body: await readFile(file),
        type: contentTypes[extname(file)] ?? 'application/octet-stream',
        immutable: path.startsWith('/assets/'),
      });
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const index = assets.get('/index.html');
  if (!index) logger.warn({ root }, 'web app not built; run `npm run build:web`');
  else logger.info({ root, files: assets.size }, 'serving the web app');

  app.get('/*', (res, req) => {
    const url = req.getUrl();
    // GET routes win over the API's any-method wildcards in uWS: hand those paths on to them.
    if (url.startsWith('/api/') || url.startsWith('/.well-known/')) {
      req.setYield(true);
      return;
    }
    const asset = assets.get(url) ?? index;
    if (!asset) {
      send(
        res,
        '404 Not Found',
        'text/plain; charset=utf-8',
        Buffer.from('The web app is not built: run `npm run build:web`.\n'),
        false,
      );
      return;
    }
    send(res, '200 OK', asset.type, asset.body, asset.immutable);
  });
}

function send(res: HttpResponse, status: string, type: string, body: Buffer, immutable: boolean): void {
  res.cork(() => {
    res
      .writeStatus(status)
      .writeHeader('content-type', type)
      .writeHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .writeHeader('x-content-type-options', 'nosniff')
      .end(body);
  });
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]),
    ),
  );
  return nested.flat();
}
