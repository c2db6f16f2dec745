/**
 * The React binding (react is an optional peer dependency): `<LicenseProvider>` runs one LicenseHub
 * for the tree; `useLicense()` and `useLicenseNotifications()` read its state.
 */
import { createContext, createElement, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react'
import { LicenseHub, type LicenseHubOptions, type LicenseHubState } from './hub.js'
import type { LicenseNotification } from './notifications.js'

const LicenseContext = createContext<LicenseHub | null>(null)

export type LicenseProviderProps = { children?: ReactNode; autoStart?: boolean } & (
  | { hub: LicenseHub; options?: undefined }
  | { options: LicenseHubOptions; hub?: undefined }
)

/**
 * Provides a LicenseHub: the one given, or one built from `options`. Starts it on mount (unless
 * `autoStart` is false) and stops it on unmount (giving a held seat back).
 */
export function LicenseProvider(props: LicenseProviderProps): ReturnType<typeof createElement> {
  const [hub] = useState(() => props.hub ?? new LicenseHub(props.options!))
  const autoStart = props.autoStart ?? true
  useEffect(() => {
    if (!autoStart) return undefined
    void hub.start()
    return () => { void hub.stop() }
  }, [hub, autoStart])
  return createElement(LicenseContext.Provider, { value: hub }, props.children)
}

export function useLicenseHub(): LicenseHub {
  const hub = useContext(LicenseContext)
  if (!hub) throw new Error('useLicense* must be used inside <LicenseProvider>')
  return hub
}

/** The license, seat, connection and auth state; re-renders on every change. */
export function useLicense(): LicenseHubState & { hub: LicenseHub } {
  const hub = useLicenseHub()
  const state = useSyncExternalStore(hub.subscribe, hub.getState, hub.getState)
  return { ...state, hub }
}

export function useLicenseNotifications(): {
  current: LicenseNotification | undefined
  queue: LicenseNotification[]
  dismiss: (id?: number) => void
  clear: () => void
} {
  const hub = useLicenseHub()
  const { notifications } = useSyncExternalStore(hub.subscribe, hub.getState, hub.getState)
  return {
    current: notifications.current,
    queue: notifications.queue,
    dismiss: (id) => hub.notifications.dismiss(id),
    clear: () => hub.notifications.clear(),
  }
}

export { LicenseHub, type LicenseHubOptions, type LicenseHubState }
