// The demo chat in a real browser: two headless Chromium pages on `/`; a
// message typed in one appears in the other.
//
// Runs the demo binary (DEMO_BIN, default target/debug/examples/demo, which
// scripts/test.sh builds) on a free port, and stops it by PID afterwards.
//   npm ci --prefix tests/browser && node --test tests/browser/

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const DEMO_BIN =
  process.env.DEMO_BIN ??
  fileURLToPath(new URL('../../target/debug/examples/demo', import.meta.url));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const TIMEOUT_MS = 10_000;

let demo;
let baseUrl;
let browser;

/** Starts the demo on port 0 and resolves with its URL once it listens. */
function startDemo() {
  return new Promise((resolve, reject) => {
    const child = spawn(DEMO_BIN, ['runserver', '127.0.0.1:0', '--multithreaded'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
    });
    const timer = setTimeout(() => reject(new Error('the demo did not start')), 20_000);
    let output = '';
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const found = output.match(/Starting development server at (http:\/\/[^/\s]+\/)/);
      if (found) {
        clearTimeout(timer);
        resolve({ child, url: found[1] });
      }
    });
  });
}

before(async () => {
  ({ child: demo, url: baseUrl } = await startDemo());
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
    assert.deepEqual(await bob.locator('#log li').allTextContents(), [
      'bob is here',
      'hello from alice',
    ]);
  } finally {
    await context.close();
  }
});
