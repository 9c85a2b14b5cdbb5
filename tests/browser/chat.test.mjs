// The demo chat in a real browser: two headless Chromium pages on `/`; a
// message typed in one appears in the other.
//
// Runs the demo binary (DEMO_BIN, default target/debug/examples/demo, which
// scripts/test.sh builds) on a free port, and stops it by PID afterwards.
//   npm ci --prefix tests/browser && node --test tests/browser/

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, TIMEOUT_MS, startDemo } from './demo.mjs';

let demo;
let baseUrl;
let browser;

before(async () => {
  ({ child: demo, url: baseUrl } = await startDemo([]));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  if (demo?.pid) process.kill(demo.pid);
});

/** Opens the chat page and waits until its WebSocket is open. */
async function openChat(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  await page.goto(baseUrl);
  await page.locator('body[data-state="open"]').waitFor();
  return page;
}

async function say(page, text) {
  await page.fill('#message', text);
  await page.click('#send');
}

function logItem(page, text) {
  return page.locator('#log li', { hasText: text });
}

test('a message typed in one page appears in the other', async () => {
  const context = await browser.newContext();
  try {
    const alice = await openChat(context);
    const bob = await openChat(context);
    // Bob sees his own message once he is in the room (the sender is
    // included), so Alice's next message is sure to reach him.
    await say(bob, 'bob is here');
    await logItem(bob, 'bob is here').waitFor();
    await logItem(alice, 'bob is here').waitFor();

    await say(alice, 'hello from alice');
    await logItem(bob, 'hello from alice').waitFor();
    await logItem(alice, 'hello from alice').waitFor();
    assert.equal(await alice.inputValue('#message'), '');
    // Without --permessage-deflate nothing is compressed.
    assert.equal(await alice.evaluate('socket.extensions'), '');
    assert.deepEqual(await bob.locator('#log li').allTextContents(), [
      'bob is here',
      'hello from alice',
    ]);
  } finally {
    await context.close();
  }
});
