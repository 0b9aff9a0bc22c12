import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

// ioredis loads on first use (~0.16 s): only replicas that share state need it.
const ioredis = (): typeof Redis => (createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis }).Redis;

/** Where a session lives: the replica that holds its machines, engine and terminals. */
export interface SessionRecord {
  replica: string;
  /** How other replicas reach the owner (`http://10.0.1.5:7400/`). */
  url: string;
  item: string;
  client: string;
  createdAt: number;
}

export interface SharedStateOptions {
  /** `redis://host:port`, or a unix socket path (`/run/redis/redis.sock`). */
  redis: string;
  /** This replica's name and the URL other replicas reach it at. */
  replica: string;
  url: string;
  /** Key prefix (default `labkit:`): several sites may share one Redis. */
  prefix?: string;
  /** A session record outlives its owner's last heartbeat by this long (default 30 s). */
  ttlMs?: number;
}

/**
 * What `lab serve` replicas share, in Redis: which replica owns each session
 * (keyed by the SHA-256 of its token, never the token, with an expiry its
 * owner keeps renewing), the sessions per client and in all, session
 * creations per client per minute, a stream of session events, the secrets
 * of runner services, and locks for the work one replica does for all
 * (pool refill, reaping).
 */
export class SharedState {
  readonly replica: string;
  readonly url: string;
  readonly redis: Redis;
  #prefix: string;
  #ttl: number;

  constructor(options: SharedStateOptions) {
    this.replica = options.replica;
    this.url = options.url;
    this.#prefix = options.prefix ?? 'labkit:';
    this.#ttl = options.ttlMs ?? 30_000;
    this.redis = options.redis.startsWith('/') ? new (ioredis())({ path: options.redis, lazyConnect: true, maxRetriesPerRequest: 2 }) : new (ioredis())(options.redis, { lazyConnect: true, maxRetriesPerRequest: 2 });
  }

  async connect(): Promise<void> {
    await this.redis.connect();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  #key(...parts: string[]): string {
    return this.#prefix + parts.join(':');
  }

  static hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  async addSession(token: string, record: Omit<SessionRecord, 'replica' | 'url' | 'createdAt'>): Promise<void> {
    const id = SharedState.hash(token);
    const full: SessionRecord = { ...record, replica: this.replica, url: this.url, createdAt: Date.now() };
    const until = Date.now() + this.#ttl;
    await this.redis
      .multi()
      .set(this.#key('session', id), JSON.stringify(full), 'PX', this.#ttl)
      .zadd(this.#key('sessions'), until, id)
      .zadd(this.#key('client', record.client), until, id)
      .pexpire(this.#key('client', record.client), this.#ttl)
      .xadd(this.#key('events'), 'MAXLEN', '~', '10000', '*', 'type', 'created', 'session', id.slice(0, 16), 'item', record.item, 'replica', this.replica)
      .exec();
  }

  async removeSession(token: string, client: string, reason: string): Promise<void> {
    const id = SharedState.hash(token);
    await this.redis
      .multi()
      .del(this.#key('session', id))
      .zrem(this.#key('sessions'), id)
      .zrem(this.#key('client', client), id)
      .xadd(this.#key('events'), 'MAXLEN', '~', '10000', '*', 'type', 'stopped', 'session', id.slice(0, 16), 'reason', reason, 'replica', this.replica)
      .exec();
  }

  /** Renews the records of the sessions this replica holds (a replica that dies lets them expire). */
  async renew(sessions: Array<{ token: string; client: string }>): Promise<void> {
    if (!sessions.length) return;
    const until = Date.now() + this.#ttl;
    const m = this.redis.multi();
    for (const s of sessions) {
      const id = SharedState.hash(s.token);
      m.pexpire(this.#key('session', id), this.#ttl).zadd(this.#key('sessions'), until, id).zadd(this.#key('client', s.client), until, id).pexpire(this.#key('client', s.client), this.#ttl);
    }
    await m.exec();
  }

  async lookup(token: string): Promise<SessionRecord | undefined> {
    const raw = await this.redis.get(this.#key('session', SharedState.hash(token)));
    return raw ? (JSON.parse(raw) as SessionRecord) : undefined;
  }

  /** Live sessions in all replicas (expired records are dropped first). */
  async sessionCount(client?: string): Promise<number> {
    const key = client ? this.#key('client', client) : this.#key('sessions');
    await this.redis.zremrangebyscore(key, '-inf', Date.now());
    return this.redis.zcard(key);
  }

  /** Counts one session creation by `client` in the current minute; returns the count so far. */
  async countCreate(client: string): Promise<number> {
    const key = this.#key('rate', client, String(Math.floor(Date.now() / 60_000)));
    const [[, n]] = (await this.redis.multi().incr(key).pexpire(key, 120_000).exec()) as [[unknown, number], unknown];
    return n;
  }

  /** The newest session events (`XREVRANGE`), newest first. */
  async events(count = 20): Promise<Array<Record<string, string>>> {
    const rows = await this.redis.xrevrange(this.#key('events'), '+', '-', 'COUNT', count);
    return rows.map(([, fields]) => Object.fromEntries(fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i]!, fields[i + 1]!]]))));
  }

  /** Runs `fn` if this replica takes the lock (held at most `ttlMs`); false when another replica holds it. */
  async withLock(name: string, ttlMs: number, fn: () => Promise<void>): Promise<boolean> {
    const key = this.#key('lock', name);
    const mine = randomBytes(12).toString('hex');
    if ((await this.redis.set(key, mine, 'PX', ttlMs, 'NX')) !== 'OK') return false;
    try {
      await fn();
    } finally {
      // Released only if still ours (it may have expired and been taken meanwhile).
      await this.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, key, mine);
    }
    return true;
  }

  async setSecret(service: string, secret: string): Promise<void> {
    await this.redis.hset(this.#key('runner-secrets'), service, secret);
  }

  async getSecret(service: string): Promise<string | undefined> {
    return (await this.redis.hget(this.#key('runner-secrets'), service)) ?? undefined;
  }

  async deleteSecret(service: string): Promise<void> {
    await this.redis.hdel(this.#key('runner-secrets'), service);
  }

  /** Marks runner services as in use by this replica for a while (renewed while held). */
  async hold(services: string[], ttlMs: number): Promise<void> {
    if (!services.length) return;
    const m = this.redis.multi();
    for (const s of services) m.set(this.#key('held', s), this.replica, 'PX', ttlMs);
    await m.exec();
  }

  async isHeld(service: string): Promise<boolean> {
    return (await this.redis.exists(this.#key('held', service))) === 1;
  }
}
