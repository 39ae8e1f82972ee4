import { describeLanguageLights } from './language-lights.ts';

describeLanguageLights(['typescript', 'javascript', 'python', 'ruby']);
