/**
 * A stand-in for a test process (for test/test-helpers.test.ts): makes a
 * temporary folder and starts a child that would live for ever, prints both
 * as one JSON line, then exits (argv[2] 'exit') or waits to be signalled.
 */
import { spawn } from 'node:child_process';
import { tempDir } from './paths.js';
import { reap } from './reaper.js';

const dir = tempDir();
const child = reap(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }));
process.stdout.write(`${JSON.stringify({ dir, pid: child.pid })}\n`);
if (process.argv[2] === 'exit') setTimeout(() => process.exit(0), 100);
else setInterval(() => {}, 1000);
