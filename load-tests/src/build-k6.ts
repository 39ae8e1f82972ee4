/** `npm run build -w load-tests`: writes the k6 bundles to load-tests/build/. */
import { buildK6Bundles } from './k6-bundles.ts';

for (const file of await buildK6Bundles()) process.stdout.write(`${file}\n`);
