/**
 * The lint rule that keeps packages apart: code reaches another package only through the modules its
 * package.json "exports" lists. Linted as if the snippet were a file of the repository, with the
 * repository's own ESLint configuration.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: repoRoot });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${filePath}` });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId?.startsWith('import-x/'))
    .map((message) => `${message.ruleId}: ${message.message}`);
}

describe('package boundaries', () => {
  it('refuses a relative path into another package', async () => {
    const errors = await boundaryErrors(
      'e2e/boundary-probe.test.ts',
      "export { ServerProcess } from '../server/test/support/server-process.ts';\n",
    );
    expect(errors).toEqual([expect.stringMatching(/^import-x\/no-relative-packages: /)]);
  });

  it('refuses a deep import its package does not export', async () => {
    const errors = await boundaryErrors(
      'api/src/boundary-probe.ts',
      "export { DojoRules } from '@pocdojo/server/dojo/dojo-rules';\n",
    );
    expect(errors).toEqual([expect.stringMatching(/^import-x\/no-unresolved: /)]);
  });

  it('accepts the public entry and the subpaths a package exports', async () => {
    const errors = await boundaryErrors(
      'e2e/boundary-probe.test.ts',
      [
        "export { createCollabTier } from '@pocdojo/server';",
        "export { ServerProcess } from '@pocdojo/server/testing/server-process';",
        "export { runNotifyChannel } from '@pocdojo/shared/runs/run-queue';",
        "export { effectiveRole } from '@pocdojo/shared/contract/dojo-roles';",
        '',
      ].join('\n'),
    );
    expect(errors).toEqual([]);
  });

  it('leaves a package’s own relative imports alone', async () => {
    const errors = await boundaryErrors(
      'server/src/boundary-probe.ts',
      "export { createCollabTier } from './collab-tier.ts';\n",
    );
    expect(errors).toEqual([]);
  });
});
