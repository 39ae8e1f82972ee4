import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { typeCheckRequestSchema, type TypeCheckReply } from './type-check-messages.ts';

/**
 * The TypeScript type checker as a long-lived child of the runner (./type-checker.ts starts it): it keeps
 * one language service, so the standard library and Node's types are parsed once and a check of a kata
 * costs tens of milliseconds instead of the seconds a fresh `tsc --noEmit` takes.
 *
 * It never runs the code, and it reads nothing of the machine but the submitted files (served from
 * memory under /run), TypeScript's own lib files and @types/node (mapped to /node_modules/@types/node):
 * every other path does not exist for it.
 */
const root = '/run';
const libDir = dirname(ts.getDefaultLibFilePath({}));
const nodeTypesHost = dirname(createRequire(import.meta.url).resolve('@types/node/package.json'));
const nodeTypesVirtual = '/node_modules/@types/node';

/** As esbuild bundles for Node: `./x.ts` and `./x.js` both resolve, Node's types, strict. */
const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2023,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  noEmit: true,
  strict: true,
  skipLibCheck: true,
  esModuleInterop: true,
  types: ['node'],
  typeRoots: ['/node_modules/@types'],
  lib: ['lib.es2023.d.ts'],
};

let files = new Map<string, { text: string; version: string }>();

/** A real path the checker may read, for a virtual one; undefined for everything else. */
function hostPath(path: string): string | undefined {
  if (path.startsWith(`${libDir}/`)) return path;
  if (path === nodeTypesVirtual || path.startsWith(`${nodeTypesVirtual}/`)) {
    return nodeTypesHost + path.slice(nodeTypesVirtual.length);
  }
  return undefined;
}

const readHost = (path: string): string | undefined => {
  const real = hostPath(path);
  return real && existsSync(real) && statSync(real).isFile() ? readFileSync(real, 'utf8') : undefined;
};

const isUserFile = (path: string) => path.startsWith(`${root}/`);

const host: ts.LanguageServiceHost = {
  getScriptFileNames: () => [...files.keys()].filter((path) => /\.(m|c)?tsx?$/.test(path)),
  getScriptVersion: (path) => files.get(path)?.version ?? '0',
  getScriptSnapshot: (path) => {
    const text = files.get(path)?.text ?? readHost(path);
    return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
  },
  getCurrentDirectory: () => root,
  getCompilationSettings: () => options,
  getDefaultLibFileName: (settings) => join(libDir, ts.getDefaultLibFileName(settings)),
  fileExists: (path) => files.has(path) || readHost(path) !== undefined,
  readFile: (path) => files.get(path)?.text ?? readHost(path),
  directoryExists: (path) => {
    if (path === root || [...files.keys()].some((file) => file.startsWith(`${path}/`))) return true;
    if (`${nodeTypesVirtual}/`.startsWith(`${path}/`)) return true;
    const real = hostPath(path);
    return real !== undefined && existsSync(real) && statSync(real).isDirectory();
  },
  getDirectories: (path) => {
    if (path === '/node_modules/@types') return ['node'];
    const real = hostPath(path);
    return real && existsSync(real)
      ? readdirSync(real, { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => entry.name)
      : [];
  },
};

const service = ts.createLanguageService(host, ts.createDocumentRegistry());

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (path) => path,
  getCurrentDirectory: () => root,
  getNewLine: () => '\n',
};

/**
 * The type errors of the submitted files. Syntax errors are left to the build (esbuild), which says
 * "did not compile" for them as for every other language.
 */
function check(submitted: Record<string, string>): Omit<TypeCheckReply, 'id'> {
  files = new Map(
    Object.entries(submitted).map(([path, text]) => [
      `${root}/${path}`,
      { text, version: `${text.length}:${hash(text)}` },
    ]),
  );
  const program = service.getProgram();
  if (!program) return { errors: 0, report: '' };
  const sources = program.getSourceFiles().filter((source) => isUserFile(source.fileName));
  if (sources.some((source) => program.getSyntacticDiagnostics(source).length > 0)) return { errors: 0, report: '' };
  const diagnostics = [
    ...program.getGlobalDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...sources.flatMap((source) => program.getSemanticDiagnostics(source)),
  ].filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
  return { errors: diagnostics.length, report: ts.formatDiagnostics(diagnostics, formatHost) };
}

/** A cheap content hash: the version tells the service which files changed since the last check. */
function hash(text: string): number {
  let value = 0;
  for (let index = 0; index < text.length; index++) value = (Math.imul(31, value) + text.charCodeAt(index)) | 0;
  return value;
}

// The runner is gone (exited, or killed): so is its checker, rather than an orphan holding TypeScript.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: unknown) => {
  const request = typeCheckRequestSchema.safeParse(message);
  if (!request.success) return;
  let reply: TypeCheckReply;
  try {
    reply = { id: request.data.id, ...check(request.data.files) };
  } catch (error) {
    reply = { id: request.data.id, errors: 0, report: '', failure: (error as Error).message };
  }
  process.send?.(reply);
});
