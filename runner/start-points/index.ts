import type { StartPoint } from '../src/start-point.ts';
import { python } from './python/start-point.ts';

/** Every language a runner offers, in the order a dojo's language picker lists them. */
export const startPoints: StartPoint[] = [python];
