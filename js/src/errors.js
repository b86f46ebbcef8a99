// SPDX-License-Identifier: MIT
// OnnxWasmError: an Error with a stable `code`. The list mirrors src/core/status.h
// (tests/js/errors.test.mjs checks the two stay equal).
export const ERROR_CODES = Object.freeze([
  'OK', 'INVALID_ARGUMENT', 'INVALID_MODEL', 'UNSUPPORTED_OP', 'INVALID_INPUT',
  'OUT_OF_MEMORY', 'INVALID_STATE', 'ABORTED', 'INTERNAL',
]);

export class OnnxWasmError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'OnnxWasmError';
    this.code = code;
  }
}
