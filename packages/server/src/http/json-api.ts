import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { ApiError } from './api-error.js';

/**
 * Helpers for the JSON APIs behind the web pages (`/demo/api`, `/admin/api`). They answer in the
 * Server API's error shape, `{ code, errorMessage }`, with the HTTP status as the code, since
 * RongCloud's numbering means nothing there.
 */
export function httpError(status: number, message: string): ApiError {
  return new ApiError(status, status, message);
}

/**
 * Makes the plugin it is called in (and only that one: fastify scopes parsers and error handlers to
 * their plugin) a JSON API: JSON bodies only, where the Server API keeps the form bodies RongCloud
 * uses, and fastify's own refusals (415, 413, ...) answered with their HTTP status as the code.
 */
export function setUpJsonApi(instance: FastifyInstance): void {
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, (body as string).length === 0 ? {} : (JSON.parse(body as string) as unknown));
    } catch {
      done(httpError(400, 'the body is not valid JSON'), undefined);
    }
  });
  instance.setErrorHandler((error: FastifyError, _request, reply) => {
    if (!(error instanceof ApiError) && error.statusCode !== undefined && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ code: error.statusCode, errorMessage: error.message });
    }
    // Ours, and server errors: the server's handler answers them (and logs the latter).
    throw error;
  });
}

/** Checks a body (or params) against a schema; the first problem becomes a 400 that names its field. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.');
  throw httpError(400, `${field ? `${field}: ` : ''}${issue?.message ?? 'invalid value'}`);
}
