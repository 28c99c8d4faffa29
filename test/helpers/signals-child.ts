/**
 * A stand-in for a long-running command (for test/signals.test.ts): a thread
 * blocked in a read that never returns (a named pipe with no writer, argv[2]),
 * and onSignals with a first handler that only says so. Prints "ready" and
 * "first SIGTERM" as they happen.
 */
import { Worker } from 'node:worker_threads';
import { onSignals } from '../../src/util/on-signals.js';

const worker = new Worker(`require('node:fs').readFileSync(${JSON.stringify(process.argv[2])})`, { eval: true });
worker.on('online', () => process.stdout.write('ready\n'));
onSignals((signal) => process.stdout.write(`first ${signal}\n`));
