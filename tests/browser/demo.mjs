// Shared by the browser tests: the demo binary started on a free port, and
// the headless Chromium flags.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const DEMO_BIN =
  process.env.DEMO_BIN ??
  fileURLToPath(new URL('../../target/debug/examples/demo', import.meta.url));

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const TIMEOUT_MS = 10_000;

/** Starts the demo on port 0 with `args` and resolves with its URL once it listens. */
export function startDemo(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(DEMO_BIN, ['runserver', '127.0.0.1:0', '--multithreaded', ...args], {
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
