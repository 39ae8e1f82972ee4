import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { apiTypesFile, apiTypesSource } from '../scripts/api-types-source.ts';

describe("the SDK's generated API types", () => {
  it('are what the API documents now (regenerate with `npm run generate:api-types -w clients/sdk`)', async () => {
    expect(await apiTypesSource()).toBe(await readFile(apiTypesFile, 'utf8'));
  });
});
