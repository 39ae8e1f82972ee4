#!/usr/bin/env node
// The command is TypeScript run through tsx, like every other program of the repository.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
