import { mkdir, rm } from 'node:fs/promises';
import type { Page } from 'playwright-core';

/**
 * A browser test's screenshots in test-artifacts/<name>/, numbered in the order they are taken so the
 * folder reads as the story of the test; `open` empties what an earlier run left there.
 */
export class Screenshots {
  private step = 0;
  private readonly folder: string;

  constructor(
    name: string,
    private readonly options: { fullPage?: boolean } = {},
  ) {
    this.folder = new URL(`../../test-artifacts/${name}/`, import.meta.url).pathname;
  }

  async open(): Promise<void> {
    await rm(this.folder, { recursive: true, force: true });
    await mkdir(this.folder, { recursive: true });
  }

  async take(page: Page, name: string): Promise<void> {
    this.step += 1;
    const path = `${this.folder}${String(this.step).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path, fullPage: this.options.fullPage ?? false });
  }
}
