/**
 * Voice survives a reload, in Debian's Chromium with a generated tone as the microphone: someone who
 * was in the dojo's call is back in it after reloading the page, without a click, and still muted if
 * they had muted (the server never forwards a packet of theirs until they unmute). Leaving the call
 * is remembered too. Screenshots go to test-artifacts/voice-rejoin/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, launchChromium, signedInPage, signUpTeam } from './support/signed-in-browser.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';
import { Screenshots } from './support/screenshots.ts';
import { joinVoiceCall } from './support/voice-call.ts';

const screenshots = new Screenshots('voice-rejoin');
const desktop = { width: 1280, height: 800 };

/** Bob's line for Ada in his voice panel. */
const adaInBobsCall = (bob: Page) => bob.locator('#panel-voice .people li', { hasText: 'Ada' });

describe('voice after a reload', () => {
  let stack: WebStack;
  let browser: Browser;
  let ada: Page;
  let bob: Page;
  let dojoUrl = '';
  const shoot = (page: Page, name: string) => screenshots.take(page, name);

  beforeAll(async () => {
    await ensureWebBuild();
    await screenshots.open();
    stack = await startWebStack();
    browser = await launchChromium();
    const admin = await signUpTeam(stack.origin, 'Voice Team');
    const teammate = await addMember(stack.origin, admin, 'Bob', ['participant']);
    const dojo = await admin.createDojo({ title: 'Talking kata', format: 'mob', language: 'python' });
    if (!dojo.ok) throw new Error(dojo.error.message);
    dojoUrl = `${stack.origin}/#/dojos/${dojo.value.id}`;
    ada = await signedInPage(browser, admin, desktop);
    bob = await signedInPage(browser, teammate, desktop);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('has both in the call, hearing each other', async () => {
    for (const page of [ada, bob]) await joinVoiceCall(page, dojoUrl, 'Talking kata');
    await adaInBobsCall(bob).getByText('receiving audio').waitFor();
  });

  it('rejoins a muted person after a reload, still muted', async () => {
    await ada.getByRole('button', { name: 'Mute', exact: true }).click();
    await ada.getByRole('button', { name: 'Unmute', exact: true }).waitFor();
    await adaInBobsCall(bob).getByText('receiving audio').waitFor({ state: 'detached', timeout: 10_000 });

    await ada.reload();
    await ada.getByRole('heading', { name: 'Talking kata' }).waitFor();
    // Nothing is clicked in the voice panel: it only gets looked at.
    await ada.getByRole('tab', { name: 'Voice' }).click();
    await ada.getByRole('button', { name: 'Leave voice' }).waitFor();
    const unmute = ada.getByRole('button', { name: 'Unmute', exact: true });
    await unmute.waitFor();
    expect(await unmute.getAttribute('aria-pressed')).toBe('true');
    await shoot(ada, 'rejoined-muted');

    // Bob has Ada in the call again, and hears nothing from her: the server holds her microphone paused.
    await adaInBobsCall(bob).waitFor();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await adaInBobsCall(bob).getByText('receiving audio').count()).toBe(0);
    await shoot(bob, 'ada-back-muted');

    await unmute.click();
    await ada.getByRole('button', { name: 'Mute', exact: true }).waitFor();
    await adaInBobsCall(bob).getByText('receiving audio').waitFor();
  });

  it('rejoins unmuted when they were unmuted', async () => {
    await ada.reload();
    await ada.getByRole('tab', { name: 'Voice' }).click();
    await ada.getByRole('button', { name: 'Mute', exact: true }).waitFor();
    await adaInBobsCall(bob).getByText('receiving audio').waitFor();
  });

  it('stays out of the call after leaving it and reloading', async () => {
    await ada.getByRole('button', { name: 'Leave voice' }).click();
    await ada.getByRole('button', { name: 'Join voice' }).waitFor();
    await ada.reload();
    await ada.getByRole('tab', { name: 'Voice' }).click();
    await ada.getByRole('button', { name: 'Join voice' }).waitFor();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await ada.getByRole('button', { name: 'Leave voice' }).count()).toBe(0);
    expect(await adaInBobsCall(bob).count()).toBe(0);
    await shoot(ada, 'left');
  });
});
