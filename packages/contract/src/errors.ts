/** The contract's error catalogue: codes, statuses and exact messages. */
export const ERRORS = {
  FEATURE_NOT_LICENSED: { status: 403, message: 'WebRTC Extension is not enabled in your license plan' },
  USER_LIMIT_REACHED: { status: 403, message: 'Maximum user limit reached (X users). Please wait for a user to log out and try again' },
  NO_ALLOCATION: { status: 403, message: 'WebRTC Extension is not allocated for your license' },
  USER_NOT_ALLOCATED: { status: 403, message: 'WebRTC Extension access is not enabled for your user' },
  CONCURRENT_SESSION: { status: 409, message: 'User already logged in from another device' },
  LICENSE_EXPIRED: { status: 403, message: 'Your license has expired' },
  LICENSE_INACTIVE: { status: 403, message: 'Your license is not active' },
  LICENSE_NOT_FOUND: { status: 404, message: 'No license found for this server' },
  SESSION_NOT_FOUND: { status: 404, message: 'Session not found or expired' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid email or password' },
  UNAUTHORIZED: { status: 401, message: 'Authentication required' },
  FORBIDDEN: { status: 403, message: 'Admin role required' },
  RATE_LIMITED: { status: 429, message: 'Too many failed login attempts. Please try again later' },
  NOT_IMPLEMENTED: { status: 501, message: 'Licenses are managed by the external license server' },
  VALIDATION_ERROR: { status: 400, message: 'Invalid request' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  CONFLICT: { status: 409, message: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  URI_TOO_LONG: { status: 414, message: 'Request URI too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type: send application/json' },
  UPGRADE_REQUIRED: { status: 426, message: 'This endpoint is a WebSocket: send an Upgrade request' },
  HEADERS_TOO_LARGE: { status: 431, message: 'Request header fields too large' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service temporarily unavailable' },
  BAD_GATEWAY: { status: 502, message: 'The external license server could not be reached' },
  INTERNAL_ERROR: { status: 500, message: 'Internal server error' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof ERRORS

/** An error the API answers with the contract's shape; `message` defaults to the catalogue's text. */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  constructor(code: ErrorCode, message?: string) {
    super(message ?? ERRORS[code].message)
    this.name = 'AppError'
    this.code = code
    this.statusCode = ERRORS[code].status
  }
}

export function userLimitMessage(limit: number): string {
  return ERRORS.USER_LIMIT_REACHED.message.replace('X', String(limit))
}

export const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 408: 'Request Timeout', 409: 'Conflict', 413: 'Payload Too Large', 414: 'URI Too Long',
  415: 'Unsupported Media Type', 426: 'Upgrade Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway',
  503: 'Service Unavailable',
}
