import { describe, expect, it } from 'vitest';
import { chromiumE2e, STEP_MS } from './support/chromium-e2e.js';

/**
 * An image message in real Chromium: alice attaches a PNG in the demo chat (@parley/client uploads
 * it to `parley serve`), and bob's page renders the picture from the URL the message carries.
 */

/** 2x2 red PNG: small enough to inline, real enough for Chromium to decode. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

const e2e = chromiumE2e('parley-media-e2e-');

describe('image messages in Chromium', () => {
  it('alice attaches an image; bob sees it rendered from the uploaded file', async () => {
    const alice = await e2e.logIn('alice', 'alice');
    const bob = await e2e.logIn('bob', 'bob');
    await alice.locator('.new-chat .chip', { hasText: 'bob' }).click();
    await alice.getByLabel('Attach image').setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: PNG });
    const sentPicture = alice.locator('.message.mine.sent img.picture');
    await sentPicture.waitFor();

    await bob.locator('[data-conversation="1:alice"]').click();
    const picture = bob.locator('.message.theirs img.picture');
    await picture.waitFor();
    // Decoded by the browser: the bytes arrived intact and were served as an image.
    await expect.poll(() => picture.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)), { timeout: STEP_MS }).toBe(2);
    const src = await picture.getAttribute('src');
    expect(src).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${e2e.port}/media/files/[0-9a-f]{64}/[0-9a-f]{32}$`));
    expect(e2e.pageErrors).toEqual([]);
  });
});
