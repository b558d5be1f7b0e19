/**
 * The event cannot be planned: unsupported event without an override, or an event file that
 * lacks a field the planner needs. The message is one line that says how to fix it.
 */
export class PlanError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PlanError'
  }
}
