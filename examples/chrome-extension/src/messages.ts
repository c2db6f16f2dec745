import type { LicenseNotification, LicenseSocketStatus, SeatStatus } from '@license-hub/client'

/** What the popup shows, as the service worker sends it. */
export interface ViewState {
  apiUrl: string
  signedIn: boolean
  user: { email: string; name: string } | undefined
  /** The token was refused or expired: sign in again. */
  authRequired: boolean
  license: {
    organizationName: string
    plan: string
    status: string
    expiresAt: string | null
    webrtcEnabled: boolean
    features: string[]
  } | undefined
  licenseError: string | undefined
  seats: { used: number; allowed: number } | undefined
  seat: SeatStatus
  connection: LicenseSocketStatus
  toast: LicenseNotification | undefined
  lastEventId: string | undefined
}

export type PopupRequest =
  | { type: 'getState' }
  | { type: 'signIn'; apiUrl: string; email: string; password: string }
  | { type: 'signOut' }
  | { type: 'force' }
  | { type: 'dismiss'; id?: number }

export type PopupAnswer = { ok: true; state: ViewState } | { ok: false; error: string; code?: string; state: ViewState }
