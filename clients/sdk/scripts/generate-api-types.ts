/**
 * Regenerates `clients/sdk/src/api-types.ts` from the API's OpenAPI document.
 *
 *   npm run generate:api-types                         builds the API in-process on an embedded database
 *   npm run generate:api-types -- http://host:8080     reads /api/v1/openapi.json from a running server
 */
import { writeFile } from 'node:fs/promises';
import { apiTypesFile, apiTypesSource } from './api-types-source.ts';

await writeFile(apiTypesFile, await apiTypesSource(process.argv[2]));
process.stdout.write(`wrote ${apiTypesFile.pathname}\n`);
