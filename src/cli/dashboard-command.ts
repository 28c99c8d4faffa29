/** `bnviz dashboard`: the fleet's runs, their figures and the queue in a browser, until SIGTERM or SIGINT. */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { errorCode } from '../util/system-error.js';
import { onSignals } from '../util/on-signals.js';
import { configFrom, REDIS_FLAGS, withOptions } from './common-options.js';

export function registerDashboard(program: Command): void {
  const command = program
    .command('dashboard')
    .description('serve a dashboard of the fleet: runs with progress, rate and ETA, each run\'s figures, failures and workers, and the queue (Bull Board); 127.0.0.1 only unless a token is set')
    .option('--json', 'print the address as one JSON line');
  withOptions(command, ['host', 'port', ...REDIS_FLAGS, 'queue', 'out']);
  command.action(async (opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const { shownTarget } = await import('../fleet/connect-redis.js');
    const { startDashboard } = await import('../dashboard/start-dashboard.js');
    const dashboard = await startDashboard(config).catch((err: unknown) => {
      throw listenError(err, config.dashboard.host, config.dashboard.port) ?? err;
    });
    const info = {
      event: 'ready', url: `${dashboard.url}/`, queueView: `${dashboard.url}/queues`,
      readOnly: !config.dashboard.allowActions, token: config.dashboard.token !== '',
      redis: shownTarget(config.redis), prefix: config.redis.prefix, queue: config.queue.name, out: config.out,
    };
    if (opts.json) process.stdout.write(`${JSON.stringify(info)}\n`);
    else {
      process.stdout.write(`bnviz dashboard on ${info.url} (queue view ${info.queueView}, ${info.readOnly ? 'read-only' : 'actions allowed'})${info.token ? '; open it once with ?token=<token>' : ''}\n`);
      process.stderr.write(`bnviz: runs under prefix ${info.prefix} on ${info.redis}, queue ${info.queue}, figures from ${info.out}\n`);
    }
    // Stop taking requests, let those in flight finish, close Redis, exit 0. A second signal quits at once.
    await new Promise<void>((resolve, reject) => {
      onSignals(() => {
        dashboard.close().then(resolve, reject);
      });
    });
  });
}

/** A port or address the dashboard cannot bind, as one line that says which flag to change. */
function listenError(err: unknown, host: string, port: number): UsageError | undefined {
  const code = errorCode(err);
  const portError = (text: (name: string) => string) => new UsageError({ key: 'dashboard.port', text }, { cause: err });
  if (code === 'EADDRINUSE') return portError((name) => `port ${port} on ${host} is in use by another program; choose another with ${name}`);
  if (code === 'EACCES') return portError((name) => `port ${port} on ${host} needs privileges this user does not have; choose one above 1023 with ${name}`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new UsageError({ key: 'dashboard.host', text: (name) => `address ${host} is not one of this machine's; choose another with ${name}` }, { cause: err });
  }
  return undefined;
}
