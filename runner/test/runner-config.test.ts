import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, readConfig } from '@pocdojo/shared';
import { defaultRunLimits, limitsFromSettings, runnerSettingsShape } from '../src/index.ts';

const schema = z.object(runnerSettingsShape);

describe('runner configuration', () => {
  it('defaults to Debian’s bubblewrap and the documented limits', () => {
    const settings = readConfig(schema, {});
    expect(settings.RUNNER_BWRAP).toBe('/usr/bin/bwrap');
    expect(limitsFromSettings(settings)).toEqual(defaultRunLimits);
    expect(defaultRunLimits).toEqual({
      wallSeconds: 10,
      cpuSeconds: 10,
      memoryBytes: 512 * 1024 * 1024,
      processes: 64,
      outputBytes: 64 * 1024,
      fileBytes: 16 * 1024 * 1024,
      openFiles: 256,
      diskBytes: 64 * 1024 * 1024,
      submittedBytes: 512 * 1024,
    });
  });

  it('reads limits in the units people think in', () => {
    const settings = readConfig(schema, {
      RUNNER_WALL_SECONDS: '30',
      RUNNER_MEMORY_MIB: '1024',
      RUNNER_OUTPUT_KIB: '128',
    });
    expect(limitsFromSettings(settings)).toMatchObject({
      wallSeconds: 30,
      memoryBytes: 1024 * 1024 * 1024,
      outputBytes: 128 * 1024,
    });
  });

  it('names every limit past its ceiling at once', () => {
    let problems: string[] = [];
    try {
      readConfig(schema, { RUNNER_WALL_SECONDS: '61', RUNNER_PROCESSES: '2', RUNNER_MEMORY_MIB: 'lots' });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'RUNNER_MEMORY_MIB',
      'RUNNER_PROCESSES',
      'RUNNER_WALL_SECONDS',
    ]);
  });
});
