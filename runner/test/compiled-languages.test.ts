import { describeLanguageLights } from './language-lights.ts';

describeLanguageLights(['java', 'go', 'cpp', 'rust']);
