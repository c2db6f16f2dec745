/**
 * The service worker: holds the seat and the license socket for the signed-in user, survives its
 * own restarts (session and event cursor in chrome.storage, waits on chrome.alarms), and tells the
 * popup what to show.
 */
import {
  LicenseHub, LicenseHubError, LicenseHubRest, chromeAlarmsScheduler, chromeStorageStore, type LicenseHubState,
} from '@license-hub/client'
import type { PopupAnswer, PopupRequest, ViewState } from './messages.js'

const DEFAULT_API_URL = 'http://localhost:3000'
const store = chromeStorageStore()
// Chrome wants the onAlarm listener added at the top level of the worker: create the scheduler here.
const scheduler = chromeAlarmsScheduler()

interface Settings { apiUrl?: string; token?: string; user?: { email: string; name: string }; deviceId?: string }

let settings: Settings = {}
let hub: LicenseHub | undefined
let seats: ViewState['seats']
let unsubscribe: (() => void) | undefined

async function deviceId(): Promise<string> {
  const stored = (await chrome.storage.local.get('deviceId')).deviceId
  if (typeof stored === 'string') return stored
  const id = crypto.randomUUID()
  await chrome.storage.local.set({ deviceId: id })
  return id
}

function view(): ViewState {
  const state: LicenseHubState | undefined = hub?.getState()
  const license = state?.license
  return {
    apiUrl: settings.apiUrl ?? DEFAULT_API_URL,
    signedIn: Boolean(settings.token) && !state?.authRequired,
    user: settings.user,
    authRequired: state?.authRequired ?? false,
    license: license && {
      organizationName: license.organizationName,
      plan: license.licenseType.name,
      status: license.status,
      expiresAt: license.expiresAt,
      webrtcEnabled: license.webrtcEnabled,
      features: Object.entries(license.features).filter(([, on]) => on).map(([name]) => name).sort(),
    },
    licenseError: state?.licenseError?.message,
    seats: state?.seat.state === 'active' && state.seat.activeSessions !== undefined
      ? { used: state.seat.activeSessions, allowed: state.seat.webrtcMaxUsers ?? 0 }
      : seats,
    seat: state?.seat ?? { state: 'idle' },
    connection: state?.connection ?? { state: 'idle', attempt: 0 },
    toast: state?.notifications.current,
    lastEventId: hub?.socket.lastEventId,
  }
}

function broadcast(): void {
  chrome.runtime.sendMessage({ type: 'state', state: view() }).catch(() => {}) // no popup open
}

async function refreshSeats(): Promise<void> {
  if (!hub) return
  try {
    const count = await hub.rest.sessionCount()
    seats = { used: count.activeSessions, allowed: count.webrtcMaxUsers }
    broadcast()
  } catch {
    // shown again on the next change
  }
}

/** (Re)builds the hub from what is stored: at start-up, after a sign-in, or when the token changes. */
async function startHub(): Promise<void> {
  const stored = (await chrome.storage.local.get(['apiUrl', 'token', 'user'])) as Settings
  if (hub && stored.token === settings.token && stored.apiUrl === settings.apiUrl) return
  settings = stored
  unsubscribe?.()
  hub?.suspend() // the new hub resumes the stored seat and cursor
  hub = undefined
  seats = undefined
  if (!settings.token) {
    broadcast()
    return
  }
  const token = settings.token
  const current = new LicenseHub({
    baseUrl: settings.apiUrl ?? DEFAULT_API_URL, token: () => token, deviceId, store, scheduler,
  })
  hub = current
  let lastLicense: unknown
  let lastEvent: unknown
  unsubscribe = current.subscribe((state) => {
    if (state.license !== lastLicense || state.lastEvent !== lastEvent) {
      lastLicense = state.license
      lastEvent = state.lastEvent
      void refreshSeats()
    }
    broadcast()
  })
  broadcast()
  void current.start()
}

// Restarts run one after another, so two storage changes never make two hubs.
let restarting = Promise.resolve()
function restart(): Promise<void> {
  restarting = restarting.then(startHub, startHub)
  return restarting
}

async function handle(request: PopupRequest): Promise<PopupAnswer> {
  switch (request.type) {
    case 'getState':
      break
    case 'signIn': {
      const rest = new LicenseHubRest({ baseUrl: request.apiUrl })
      try {
        const answer = await rest.login({ email: request.email, password: request.password, client: 'extension' })
        if (hub) await hub.stop({ forgetCursor: true })
        hub = undefined
        const user = { email: answer.user.email, name: answer.user.name }
        await chrome.storage.local.set({ apiUrl: rest.baseUrl, token: answer.token, user })
        await restart()
      } catch (err) {
        const error = err instanceof LicenseHubError ? err : new LicenseHubError(0, 'NETWORK_ERROR', String(err))
        return { ok: false, error: error.message, code: error.code, state: view() }
      }
      break
    }
    case 'signOut':
      await hub?.stop({ forgetCursor: true })
      hub = undefined
      await chrome.storage.local.remove(['token', 'user'])
      await restart()
      break
    case 'force':
      await hub?.force()
      break
    case 'dismiss':
      hub?.notifications.dismiss(request.id)
      break
  }
  return { ok: true, state: view() }
}

chrome.runtime.onMessage.addListener((message: PopupRequest, _sender, sendResponse) => {
  if (!message || typeof message !== 'object' || !('type' in message) || (message as { type: string }).type === 'state') return false
  handle(message).then(sendResponse, (err: unknown) => sendResponse({ ok: false, error: String(err), state: view() }))
  return true // answers asynchronously
})

// A new token (a sign-in here, or written by another page of the extension) restarts the hub.
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && ('token' in changes || 'apiUrl' in changes)) void restart()
})

void restart()
