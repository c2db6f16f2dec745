import { lockForTransaction, type Db } from '@license-hub/db'

/** Serialises every write of external copies (a sync, a grace retirement) across all workers. */
export const lockExternalSync = (trx: Db) => lockForTransaction(trx, 'license-hub:external-sync')
