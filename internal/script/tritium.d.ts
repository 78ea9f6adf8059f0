// tritium.d.ts — the globals a Tritium script sees. A script is the body of
// an async function: top-level `await` and `return` work, and the returned
// value (after awaiting) is the script's result. There is no `require`, no
// file system, no network other than $proxy, no `process`.

/** The result every $proxy call resolves to. */
interface ProxyResult<T = any> {
  /** HTTP status, or the vendor's code when the interface maps success (e.g. WeCom errcode 0 → 200). */
  code: number;
  /** Parsed JSON body, or the body as text. */
  data: T;
  /** The vendor's message or the HTTP reason. */
  message: string;
  /** HTTP status. */
  status: number;
  /** Response headers (first value of each). */
  headers: Record<string, string>;
  /** How long the call took. */
  duration_ms: number;
}

/** A chained call: `$api(name)` then any of `$path/$query/$header/$body` (each may repeat; objects merge), then `$call()`. */
interface ProxyChain {
  /** Which interface of the platform to call (snake_case key or its camelCase form). */
  $api(name: string): ProxyChain;
  /** Path parameters, filling `{param}`s in the interface's path. */
  $path(params: Record<string, any>): ProxyChain;
  /** Query parameters. */
  $query(params: Record<string, any>): ProxyChain;
  /** Request headers. */
  $header(headers: Record<string, string>): ProxyChain;
  /** Request body: objects merge into an object body; anything else replaces it. */
  $body(data: any): ProxyChain;
  /** Sends the request. Rejects with an Error on transport failure, or when no `$api` was given. */
  $call<T = any>(): Promise<ProxyResult<T>>;
}

/**
 * A platform's interfaces. Any property is a direct call whose arguments are
 * passed in the interface's declared parameter order:
 * `await $proxy('qywx').sendTextMessage('UserID', 'text')`.
 */
type PlatformProxy = ProxyChain & {
  [interfaceName: string]: (<T = any>(...args: any[]) => Promise<ProxyResult<T>>) | any;
};

interface ProxyOptions {
  /** Which configured instance (credentials, base URL); omitted: the platform's default instance. */
  instance_key?: string;
  /** Where the call comes from, recorded in the call log. */
  caller?: string;
}

/**
 * Calls a configured third-party platform.
 * @param platformKey the platform's `platform_key`
 * @example const r = await $proxy('crm_system').$api('get_customer_detail').$path({ id }).$call();
 */
declare function $proxy(platformKey: string, options?: ProxyOptions): PlatformProxy;

/** A form record: fields by code; child tables are arrays of row objects. */
interface FormRecord {
  [fieldCode: string]: any;
  /** Reads a field (same as `$form[code]`). */
  get(code: string): any;
  /** Sets a field (same as `$form[code] = value`); changed fields are reported to the hook. */
  set(code: string, value: any): void;
}

/** The current record (undefined when the hook has none). Changes made here are what beforeSave writes. */
declare const $form: FormRecord;
/** The same object as `$form`. */
declare const form: FormRecord;

/** The acting user (read-only). */
declare const $user: Readonly<{ id: string; name?: string; departmentId?: string }>;

/** The workflow context in flow hooks; null elsewhere (read-only). */
declare const $flow: Readonly<{
  instanceId: string;
  node?: string;
  nodeName?: string;
  action?: string;
  comment?: string;
  status?: string;
}> | null;

/** The event that started the script: `{id, hook, form, objectId, ...}`; `id` is the idempotency key (read-only). */
declare const $event: Readonly<Record<string, any>> | null;

/** The custom API's argument, or the draft input (read-only). */
declare const $args: any;

interface DBQueryOptions {
  /** The REST filter language. */
  filter?: string;
  /** REST sort, e.g. "-CreatedTime". */
  sort?: string;
  /** Fields to return; omitted: all. */
  fields?: string[];
  limit?: number;
  offset?: number;
}

/** Other forms' records, through the record service as the acting user (same permissions and validation). Undefined when the host provides no record service. */
declare const $db: {
  /** Records matching a filter string or options. */
  query(form: string, filter?: string | DBQueryOptions): Promise<{ items: Record<string, any>[]; total: number }>;
  /** One record by id. */
  get(form: string, id: string): Promise<Record<string, any>>;
  /** Creates a record and resolves to its id; `submit: true` also starts its workflow. */
  create(form: string, data: Record<string, any>, options?: { submit?: boolean }): Promise<string>;
  /** Updates fields of a record. */
  update(form: string, id: string, data: Record<string, any>): Promise<void>;
};

interface Logger {
  log(...args: any[]): void;
  info(...args: any[]): void;
  warn(...args: any[]): void;
  error(...args: any[]): void;
  debug(...args: any[]): void;
}

/** Writes to the execution log (bounded: 200 lines of 4 KiB). Errors print their message and script line. */
declare const console: Logger;
/** The same as console. */
declare const $log: Logger;

type Encoding = "hex" | "base64";

/** Hashes, HMAC, base64, random values. Inputs are strings (UTF-8). */
declare const $crypto: {
  md5(data: string, encoding?: Encoding): string;
  sha1(data: string, encoding?: Encoding): string;
  sha256(data: string, encoding?: Encoding): string;
  sha512(data: string, encoding?: Encoding): string;
  /** @param algorithm md5, sha1, sha256 or sha512 */
  hmac(algorithm: string, key: string, data: string, encoding?: Encoding): string;
  base64Encode(data: string): string;
  base64Decode(data: string): string;
  /** A random version 4 UUID. */
  uuid(): string;
  /** n random bytes (1–1024) as hex. */
  randomHex(n: number): string;
};

/**
 * Admin-set values by name (secrets decrypted). Lookups may hit the database,
 * so both forms are Promises: `await $env.get('API_KEY')` or `await $env.API_KEY`.
 * An unset name resolves to undefined.
 */
declare const $env: {
  get(name: string): Promise<string | undefined>;
  readonly [name: string]: Promise<string | undefined> | ((name: string) => Promise<string | undefined>);
};

/** Timers belong to the execution: whatever is still scheduled when the script's promise settles is canceled. */
declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: any[]): number;
declare function setInterval(callback: (...args: any[]) => void, ms?: number, ...args: any[]): number;
declare function setImmediate(callback: (...args: any[]) => void, ...args: any[]): number;
declare function clearTimeout(id?: number): void;
declare function clearInterval(id?: number): void;
declare function clearImmediate(id?: number): void;
