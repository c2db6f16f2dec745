/** The popup: sign-in, license and plan, seats used of allowed, connection state and toasts. */
import type { LicenseSocketStatus, SeatStatus } from '@license-hub/client'
import type { PopupAnswer, PopupRequest, ViewState } from './messages.js'

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T

const END_REASONS: Record<string, string> = {
  forced: 'Ended: you signed in on another device',
  revoked: 'Ended by your administrator',
  allocation: 'Ended: your organization has fewer seats now',
  expired: 'Ended: it expired',
}

function seatText(seat: SeatStatus): string {
  switch (seat.state) {
    case 'active': return 'Active on this device'
    case 'idle': return 'Not held'
    case 'lost': return seat.nextRetryMs ? `Reconnecting (retry in ${Math.ceil(seat.nextRetryMs / 1000)} s)` : 'Getting the seat back…'
    case 'refused': return seat.message ?? seat.code ?? 'Refused'
    case 'ended': return END_REASONS[seat.reason ?? ''] ?? 'Ended'
  }
}

function connectionText(connection: LicenseSocketStatus): string {
  switch (connection.state) {
    case 'open': return 'Live'
    case 'connecting': return 'Connecting…'
    case 'reconnecting': return `Reconnecting in ${Math.ceil((connection.nextRetryMs ?? 0) / 1000)} s (attempt ${connection.attempt})`
    case 'auth_required': return 'Sign in again'
    case 'stopped': return 'Offline'
    case 'idle': return 'Not connected'
  }
}

function render(state: ViewState): void {
  const signedIn = state.signedIn
  $('signin').hidden = signedIn
  $('main').hidden = !signedIn
  $('auth-required').hidden = !state.authRequired
  const apiUrl = $<HTMLInputElement>('api-url')
  if (!apiUrl.value) apiUrl.value = state.apiUrl
  $('user').textContent = state.user ? `${state.user.name} <${state.user.email}>` : ''
  $('org').textContent = state.license?.organizationName ?? '…'
  $('plan').textContent = state.license ? `${state.license.plan} (${state.license.status})` : '…'
  $('seats').textContent = state.seats ? `${state.seats.used} of ${state.seats.allowed}` : '…'
  const seat = $('seat')
  seat.dataset.state = state.seat.state
  seat.dataset.reason = state.seat.reason ?? ''
  seat.textContent = seatText(state.seat)
  $('force').hidden = !state.seat.canForce
  const connection = $('connection')
  connection.dataset.state = state.connection.state
  connection.dataset.lastEventId = state.lastEventId ?? ''
  connection.textContent = connectionText(state.connection)
  $('license-error').hidden = !state.licenseError
  $('license-error').textContent = state.licenseError ?? ''
  const toast = $('toast')
  toast.hidden = !state.toast
  toast.className = state.toast?.severity ?? ''
  toast.dataset.type = state.toast?.type ?? ''
  toast.dataset.id = String(state.toast?.id ?? '')
  $('toast-message').textContent = state.toast?.message ?? ''
}

async function send(request: PopupRequest): Promise<PopupAnswer> {
  const answer = await chrome.runtime.sendMessage<PopupAnswer>(request)
  render(answer.state)
  return answer
}

chrome.runtime.onMessage.addListener((message: { type?: string; state?: ViewState }) => {
  if (message?.type === 'state' && message.state) render(message.state)
})

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const error = $('signin-error')
  error.hidden = true
  $<HTMLButtonElement>('signin-button').disabled = true
  void send({
    type: 'signIn', apiUrl: $<HTMLInputElement>('api-url').value, email: $<HTMLInputElement>('email').value, password: $<HTMLInputElement>('password').value,
  }).then((answer) => {
    $<HTMLButtonElement>('signin-button').disabled = false
    if (!answer.ok) {
      error.textContent = answer.error
      error.hidden = false
    } else {
      $<HTMLInputElement>('password').value = ''
    }
  })
})
$('signout').addEventListener('click', () => { void send({ type: 'signOut' }) })
$('force').addEventListener('click', () => { void send({ type: 'force' }) })
$('toast-dismiss').addEventListener('click', () => { void send({ type: 'dismiss', id: Number($('toast').dataset.id) || undefined }) })

void send({ type: 'getState' })
