/**
 * Highly available Redis for the HA tests, on loopback ports the tests
 * choose: a primary with a replica and three sentinels (`redis-server
 * --sentinel`), or a cluster of three primaries with a replica each; TLS
 * with a certificate authority made by openssl.
 *
 * Every server runs under a small shell watchdog that kills it (SIGKILL)
 * when the test process is gone, so a test that crashes or is killed leaves
 * no server behind; `stopAll()` (in the test's teardown) kills them at once.
 * Waits are on states that move forward, each with a deadline and a message
 * saying what it waited for and what it saw last.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './redis.js';

/** Polls `check` until it returns a truthy value; throws after `timeoutMs` with `what` and the last thing seen. */
export async function within<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false> | T | undefined | false, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'nothing yet';
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (last: ${typeof last === 'string' ? last : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** How a test connects to a server: as a user, over TLS. */
export interface ConnectAs { password?: string; username?: string; tls?: { ca: Buffer } }

/** One-shot connection to a port (no retries), closed after `use`. */
export async function onPort<T>(port: number, use: (redis: Redis) => Promise<T>, options: ConnectAs = {}): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, ...options });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

export function hasRedisServer(): boolean {
  return !spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error;
}

export interface Server {
  port: number;
  /** The redis-server's own pid (from INFO), once it answers. */
  pid: number;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Servers of one test: each started on a port of its own, in a folder of
 * its own, under a watchdog; `stopAll` kills every one and removes the folder.
 */
export class ServerSet {
  readonly dir = mkdtempSync(join(tmpdir(), 'bnviz-ha-'));
  private readonly watchdogs: ChildProcess[] = [];
  private readonly pids = new Set<number>();

  /**
   * Starts `redis-server CONF [args]` (a sentinel with `--sentinel`) and waits until it answers; `PORT` in
   * `conf` is the port chosen (for `tls-port PORT`, say, with `port 0`).
   */
  async start(name: string, conf: string, args: string[] = [], auth: ConnectAs = {}): Promise<Server> {
    const port = await freePort();
    const folder = join(this.dir, name);
    rmSync(folder, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', folder]);
    const file = join(folder, 'redis.conf');
    writeFileSync(file, `port ${port}\nbind 127.0.0.1\ndir ${folder}\nsave ""\nappendonly no\nlogfile ${join(folder, 'log')}\n${conf.replaceAll('PORT', String(port))}`);
    // The watchdog: the server in the background; when this test process or the server is gone, SIGKILL and out.
    const script = 'redis-server "$@" & child=$!; while kill -0 $child 2>/dev/null && kill -0 ' + process.pid + ' 2>/dev/null; do sleep 0.5; done; kill -9 $child 2>/dev/null; wait $child 2>/dev/null';
    const watchdog = spawn('sh', ['-c', script, 'sh', file, ...args], { stdio: 'ignore', detached: true });
    watchdog.unref();
    this.watchdogs.push(watchdog);
    const pid = await within(`${name} (redis-server on port ${port}) to answer`, 30_000, () => onPort(port, async (r) => {
      const info = await r.info('server');
      return Number(/process_id:(\d+)/.exec(info)?.[1]);
    }, auth), 100);
    this.pids.add(pid);
    return {
      port, pid,
      kill: (signal: NodeJS.Signals = 'SIGKILL') => {
        try {
          process.kill(pid, signal);
        } catch {
          // gone already
        }
      },
    };
  }

  /** Kills every server (SIGKILL) and its watchdog, and removes the folder. */
  stopAll(): void {
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    for (const w of this.watchdogs) {
      try {
        if (w.pid) process.kill(-w.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface SentinelGroup {
  primary: Server;
  replica: Server;
  sentinels: Server[];
  name: string;
  /** `host:port` of each sentinel, as BNVIZ_REDIS_SENTINELS takes them. */
  sentinelList: string;
  /** The port of the primary the sentinels name now. */
  primaryPort(): Promise<number>;
}

/**
 * A primary, one replica and three sentinels (quorum 2) that declare a
 * primary down after 1 s. Resolves when the replica is in sync and each
 * sentinel knows the replica and the two other sentinels (else a failover
 * could not be agreed).
 */
export async function startSentinelGroup(servers: ServerSet, name = 'main'): Promise<SentinelGroup> {
  const primary = await servers.start('primary', '');
  const replica = await servers.start('replica', `replicaof 127.0.0.1 ${primary.port}\nreplica-priority 100\n`);
  const sentinelConf = [
    `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
    `sentinel down-after-milliseconds ${name} 1000`,
    `sentinel failover-timeout ${name} 10000`,
    `sentinel parallel-syncs ${name} 1`,
  ].join('\n');
  const sentinels: Server[] = [];
  for (let i = 0; i < 3; i++) sentinels.push(await servers.start(`sentinel-${i}`, `${sentinelConf}\n`, ['--sentinel']));
  await within('the replica to be in sync with the primary', 30_000, () => onPort(replica.port, async (r) => /master_link_status:up/.test(await r.info('replication'))));
  for (const s of sentinels) {
    await within(`sentinel ${s.port} to know the replica and the other two sentinels`, 60_000, () => onPort(s.port, async (r) => {
      const replicas = (await r.call('SENTINEL', 'REPLICAS', name)) as unknown[];
      const others = (await r.call('SENTINEL', 'SENTINELS', name)) as unknown[];
      return replicas.length === 1 && others.length === 2 ? true : `replicas ${replicas.length}, sentinels ${others.length + 1}`;
    }).then((v) => v === true), 250);
  }
  return {
    primary, replica, sentinels, name,
    sentinelList: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    primaryPort: () => onPort(sentinels[0]!.port, async (r) => Number(((await r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[])[1])),
  };
}

export interface TestCluster {
  nodes: Server[];
  /** `127.0.0.1:port` of a node. */
  address(node: Server): string;
  /** The node that serves `slot` as its primary now (asked of `via`). */
  primaryOf(slot: number, via: Server): Promise<number>;
  /** The slot of a key (CLUSTER KEYSLOT). */
  slotOf(key: string): Promise<number>;
}

/**
 * Three primaries with one replica each (`redis-cli --cluster create
 * --cluster-replicas 1`), a node declared failed after 2 s without an answer.
 * Resolves when every node says the cluster is ok and sees six nodes, and
 * every replica has finished its first sync: a replica that never synced
 * refuses to take over (its data is as old as its link is down), so a
 * primary killed before then would never be replaced.
 */
export async function startCluster(servers: ServerSet): Promise<TestCluster> {
  const nodes: Server[] = [];
  for (let i = 0; i < 6; i++) nodes.push(await servers.start(`node-${i}`, 'cluster-enabled yes\ncluster-config-file nodes.conf\ncluster-node-timeout 2000\nrepl-diskless-sync-delay 0\n'));
  const address = (n: Server) => `127.0.0.1:${n.port}`;
  const made = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map(address), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
  if (made.status !== 0) throw new Error(`redis-cli --cluster create failed (${made.status}): ${made.stdout.slice(-500)} ${made.stderr.slice(-500)}`);
  for (const n of nodes) {
    await within(`cluster node ${n.port} to say cluster_state:ok and know six nodes`, 60_000, () => onPort(n.port, async (r) => {
      const info = await r.call('CLUSTER', 'INFO') as string;
      return /cluster_state:ok/.test(info) && /cluster_known_nodes:6/.test(info) ? true : info.split('\n').slice(0, 3).join(' ');
    }).then((v) => v === true), 250);
  }
  let replicas = 0;
  for (const n of nodes) {
    const synced = await within(`cluster node ${n.port} to be a primary or a replica in sync`, 60_000, () => onPort(n.port, async (r) => {
      const info = await r.info('replication');
      if (/role:master/.test(info)) return 'primary';
      return /master_link_status:up/.test(info) && !/master_sync_in_progress:1/.test(info) ? 'replica' : undefined;
    }), 100);
    if (synced === 'replica') replicas++;
  }
  if (replicas !== 3) throw new Error(`the cluster has ${replicas} replicas in sync, not 3`);
  const slotOf = (key: string) => onPort(nodes[0]!.port, async (r) => Number(await r.call('CLUSTER', 'KEYSLOT', key)));
  const primaryOf = (slot: number, via: Server) => onPort(via.port, async (r) => {
    const ranges = await r.call('CLUSTER', 'SLOTS') as Array<[number, number, [string, number]]>;
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no node serves slot ${slot}`);
    return Number(range[2][1]);
  });
  return { nodes, address, primaryOf, slotOf };
}
