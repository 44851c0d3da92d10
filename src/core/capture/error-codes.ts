/** The codes of starting a capture proxy (closed: a code that is not here cannot be raised). */
export type CaptureErrorCode =
  // --target is no http(s) URL, or carries what a target cannot (credentials, a query).
  | 'capture.target_invalid'
  // --listen names a non-loopback address without --allow-remote (the extension: without the user's confirmation).
  | 'capture.remote_not_allowed'
  // The listen address is in use or not ours.
  | 'capture.listen';
