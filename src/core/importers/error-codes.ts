/** The codes of reading a Postman or Insomnia export. */
export type ImportErrorCode =
  'import.empty' | 'import.syntax' | 'import.too_large' | 'import.unrecognised' | 'import.unsupported_version';
