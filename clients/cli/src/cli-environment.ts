/**
 * The command's only reading of the environment: where the user's configuration lives
 * (`$XDG_CONFIG_HOME/pocdojo`, else `~/.config/pocdojo` on Linux; the platform's folder elsewhere).
 */
import envPaths from 'env-paths';

export interface CliEnvironment {
  configFolder: string;
}

export function readCliEnvironment(): CliEnvironment {
  return { configFolder: envPaths('pocdojo', { suffix: '' }).config };
}
