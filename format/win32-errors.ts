// Win32 error codes that PSS calls (and the capture pipeline's process and privilege calls) return, with
// names and short messages (pss-reference §5.12). Plain data, so the live binding (capture/windows) and
// the platform-free PSS facade over archives (reader/pss-facade.ts) report errors identically.

/** The Win32 codes PSS calls are known to return (pss-reference §5.12), by value. */
export const WIN32_ERROR_NAMES: Readonly<Record<number, string>> = {
  0: 'ERROR_SUCCESS',
  5: 'ERROR_ACCESS_DENIED',
  6: 'ERROR_INVALID_HANDLE',
  8: 'ERROR_NOT_ENOUGH_MEMORY',
  24: 'ERROR_BAD_LENGTH',
  50: 'ERROR_NOT_SUPPORTED',
  87: 'ERROR_INVALID_PARAMETER',
  111: 'ERROR_BUFFER_OVERFLOW',
  234: 'ERROR_MORE_DATA',
  259: 'ERROR_NO_MORE_ITEMS',
  299: 'ERROR_PARTIAL_COPY',
  487: 'ERROR_INVALID_ADDRESS',
  534: 'ERROR_ARITHMETIC_OVERFLOW',
  1168: 'ERROR_NOT_FOUND',
  1287: 'ERROR_UNIDENTIFIED_ERROR',
  1300: 'ERROR_NOT_ALL_ASSIGNED',
  1314: 'ERROR_PRIVILEGE_NOT_HELD',
}

/** Short messages by code, as the live binding and the archive facade print them. */
export const WIN32_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  5: 'access is denied',
  6: 'the handle is invalid',
  8: 'not enough memory',
  24: 'the buffer length does not match the structure for this class',
  50: 'the request is not supported',
  87: 'the parameter is incorrect (unknown information class?)',
  111: 'the buffer is too small',
  234: 'more data is available',
  259: 'no more items',
  299: 'only part of a memory read completed',
  487: 'attempt to access an invalid address',
  534: 'arithmetic overflow',
  1168: 'the information was not captured',
  1287: 'unidentified error',
  1300: 'not all privileges were assigned to the caller',
  1314: 'a required privilege is not held by the client',
}
