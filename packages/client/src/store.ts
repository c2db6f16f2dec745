/** Where the client keeps what must outlive an MV3 service worker: the seat's session and the event cursor. */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown): Promise<void>
  remove(key: string): Promise<void>
}

export function memoryStore(): KeyValueStore {
  const values = new Map<string, unknown>()
  return {
    get: async <T>(key: string) => values.get(key) as T | undefined,
    set: async (key, value) => { values.set(key, value) },
    remove: async (key) => { values.delete(key) },
  }
}

/** The part of `chrome.storage.local` / `.session` used here. */
export interface ChromeStorageAreaLike {
  get(keys: string): Promise<Record<string, unknown>>
  set(items: Record<string, unknown>): Promise<void>
  remove(keys: string): Promise<void>
}

/**
 * A store on `chrome.storage` (default `chrome.storage.local`, which survives browser restarts;
 * pass `chrome.storage.session` to forget on restart). Keys are prefixed (`license-hub:` by default).
 */
export function chromeStorageStore(options: { area?: ChromeStorageAreaLike; prefix?: string } = {}): KeyValueStore {
  const chrome = (globalThis as unknown as { chrome?: { storage?: { local?: ChromeStorageAreaLike } } }).chrome
  const area = options.area ?? chrome?.storage?.local
  if (!area) throw new Error('chrome.storage is not available: add the "storage" permission to the manifest')
  const prefix = options.prefix ?? 'license-hub:'
  return {
    get: async <T>(key: string) => (await area.get(prefix + key))[prefix + key] as T | undefined,
    set: (key, value) => area.set({ [prefix + key]: value }),
    remove: (key) => area.remove(prefix + key),
  }
}
