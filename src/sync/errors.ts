/** Sync mode stopped before awarding anything; the message says why and what to do. */
export class SyncError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SyncError'
  }
}
