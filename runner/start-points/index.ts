import type { StartPoint } from '../src/start-point.ts';
import { cpp } from './cpp/start-point.ts';
import { go } from './go/start-point.ts';
import { java } from './java/start-point.ts';
import { javascript } from './javascript/start-point.ts';
import { python } from './python/start-point.ts';
import { ruby } from './ruby/start-point.ts';
import { rust } from './rust/start-point.ts';
import { typescript } from './typescript/start-point.ts';

/** Every language a runner offers, in the order a dojo's language picker lists them. */
export const startPoints: StartPoint[] = [typescript, javascript, python, java, go, ruby, cpp, rust];
