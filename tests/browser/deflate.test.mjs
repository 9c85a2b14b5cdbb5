// The demo chat under `runserver --permessage-deflate` in a real browser:
// Chromium offers permessage-deflate, the chat page's WebSocket shows what
// was agreed, and messages (compressed both ways) still reach the room.
//   npm ci --prefix tests/browser && node --test tests/browser/

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, TIMEOUT_MS, startDemo } from './demo.mjs';

let demo;
let baseUrl;
let browser;

before(async () => {
  ({ child: demo, url: baseUrl } = await startDemo(['--permessage-deflate']));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  if (demo?.pid) process.kill(demo.pid);
});

test('the chat page negotiates permessage-deflate and chats through it', async () => {
  const context = await browser.newContext();
  try {
    const pages = [];
    for (let i = 0; i < 2; i++) {
      const page = await context.newPage();
      page.setDefaultTimeout(TIMEOUT_MS);
      await page.goto(baseUrl);
      await page.locator('body[data-state="open"]').waitFor();
      pages.push(page);
    }
    const [alice, bob] = pages;
    const agreed = await alice.evaluate('socket.extensions');
    assert.equal(agreed, 'permessage-deflate; server_no_context_takeover; client_no_context_takeover');
    assert.equal(await alice.locator('body').getAttribute('data-extensions'), agreed);
    assert.equal(await alice.textContent('#status'), `open (${agreed})`);

    await bob.fill('#message', 'bob is here');
    await bob.click('#send');
    await alice.locator('#log li', { hasText: 'bob is here' }).waitFor();
    // Long enough to be deflated (not just stored) on the way back.
    const long = 'hello from alice, compressed:' + ' la'.repeat(200);
    await alice.fill('#message', long);
    await alice.click('#send');
    await bob.locator('#log li', { hasText: 'hello from alice' }).waitFor();
    assert.deepEqual(await bob.locator('#log li').allTextContents(), ['bob is here', long]);
  } finally {
    await context.close();
  }
});
