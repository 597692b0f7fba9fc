// A tool call the runtime refused or could not complete. `refused` means a boundary held (policy,
// grant, sandbox): reported to the model and recorded as a refusal, never retried around.
export class ToolError extends Error {
  constructor(
    message: string,
    readonly outcome: 'refused' | 'error',
    readonly rule?: string,
  ) {
    super(message);
  }
}

export function refused(message: string, rule?: string): ToolError {
  return new ToolError(message, 'refused', rule);
}
