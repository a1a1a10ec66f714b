/**
 * Server API error codes (RongCloud's numbering) with the HTTP status each travels with. Every
 * failed request answers `{ code, errorMessage }`; nothing else of the failure reaches the caller.
 */
export const ApiCode = {
  OK: 200,
  INTERNAL: 1000,
  BAD_PARAMETER: 1002,
  SIGNATURE: 1004,
  RATE_LIMITED: 1008,
} as const;

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }

  static badParameter(message: string): ApiError {
    return new ApiError(ApiCode.BAD_PARAMETER, 400, message);
  }

  static signature(message: string, httpStatus = 401): ApiError {
    return new ApiError(ApiCode.SIGNATURE, httpStatus, message);
  }

  static rateLimited(): ApiError {
    return new ApiError(ApiCode.RATE_LIMITED, 429, 'too many requests for this app, slow down');
  }
}
