/** The response body cap every exchange is recorded under, in bytes (HttpOptions.maxBodyBytes's default). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
