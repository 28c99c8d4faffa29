/** bnviz's own version, from its package.json. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const VERSION = (require('../../package.json') as { version: string }).version;
