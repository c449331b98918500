export { registerApi, type ApiOptions } from './api-plugin.ts';
export { ApiError, API_ERRORS, type ApiErrorCode } from './api-error.ts';
export { openApiDocument } from './openapi.ts';
