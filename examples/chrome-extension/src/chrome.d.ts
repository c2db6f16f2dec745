// The few chrome.* APIs this example uses (instead of depending on @types/chrome).
declare namespace chrome {
  namespace storage {
    interface StorageArea {
      get(keys?: string | string[] | null): Promise<Record<string, unknown>>
      set(items: Record<string, unknown>): Promise<void>
      remove(keys: string | string[]): Promise<void>
    }
    const local: StorageArea
    type StorageChange = { oldValue?: unknown; newValue?: unknown }
    const onChanged: { addListener(listener: (changes: Record<string, StorageChange>, area: string) => void): void }
  }
  namespace alarms {
    function create(name: string, info: { when?: number; delayInMinutes?: number }): Promise<void>
    function clear(name: string): Promise<boolean>
    const onAlarm: { addListener(listener: (alarm: { name: string }) => void): void }
  }
  namespace runtime {
    function sendMessage<T = unknown>(message: unknown): Promise<T>
    const onMessage: {
      addListener(listener: (message: any, sender: unknown, sendResponse: (response?: unknown) => void) => boolean | void): void
    }
  }
}
