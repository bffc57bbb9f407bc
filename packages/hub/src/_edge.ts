import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordAudit } from './audit/audit-log.ts';
import { HubError, hubErrorStatus, type HubErrorCode } from './hub-error.ts';

/** The body of every error answer. */
export interface ErrorBody {
  readonly error: { readonly code: HubErrorCode; readonly message: string };
}

interface ValidationIssue {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/**
 * Installs the one place where errors become answers: a HubError keeps its code and message; Fastify's own
 * 4xx errors (schema validation, malformed JSON, too large a body, wrong media type) become `invalid_input`
 * and friends with a message a person can act on; anything else is logged (without the request body or
 * headers) and answered with a generic 500. Refused requests (401/403) are written to the audit log.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(async (error: unknown, request, reply) => {
    const hubError = toHubError(error);
    if (hubError.code === 'internal') {
      request.log.error(
        { err: describeForLog(error), route: request.routeOptions.url, method: request.method },
        'request failed',
      );
    }
    if ((hubError.status === 401 || hubError.status === 403) && !request.refusalAudited) {
      await auditRefusal(app, request, hubError);
    }
    return sendError(reply, hubError);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    return sendError(
      reply,
      new HubError('not_found', `Cannot ${request.method} ${truncate(path, 200)}: no such route`),
    );
  });
}

/** Answers `error` as `{ error: { code, message } }` with its status. */
export function sendError(reply: FastifyReply, error: HubError): FastifyReply {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  return reply.code(error.status).type('application/json; charset=utf-8').send(body);
}

/** Converts whatever was thrown into a HubError; unknown errors become `internal` with a generic message. */
export function toHubError(error: unknown): HubError {
  if (error instanceof HubError) return error;
  if (isNulCharacterRefusal(error)) {
    return new HubError(
      'invalid_input',
      'Cannot accept the request: text must not contain the NUL character (\\u0000)',
      {
        cause: error,
      },
    );
  }
  if (!isFastifyError(error)) return internalError(error);
  if (Array.isArray(error.validation)) {
    return new HubError('invalid_input', describeValidation(error.validation, error.validationContext), {
      cause: error,
    });
  }
  const status = error.statusCode ?? 500;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HubError(
        'payload_too_large',
        'Cannot read the request: its body is larger than the hub accepts',
        {
          cause: error,
        },
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HubError(
        'unsupported_media_type',
        'Cannot read the request: send the body as JSON with Content-Type: application/json',
        { cause: error },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HubError(
        'invalid_input',
        'Cannot read the request: Content-Type is application/json but the body is empty',
        { cause: error },
      );
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new HubError(
      'invalid_input',
      `Cannot read the request: the body is not valid JSON (${error.message})`,
      {
        cause: error,
      },
    );
  }
  if (status === 413) return new HubError('payload_too_large', 'Cannot read the request: it is too large');
  if (status === 415) {
    return new HubError(
      'unsupported_media_type',
      'Cannot read the request: send the body as application/json',
    );
  }
  if (status >= 400 && status < 500) {
    const code = codeForStatus(status);
    return new HubError(code, `Cannot handle the request: ${truncate(error.message, 300)}`, { cause: error });
  }
  return internalError(error);
}

/**
 * PostgreSQL refuses the NUL character in text (SQLSTATE 22021) and in jsonb (22P05). JSON allows it, and
 * schemas do not exclude it, so it reaches the database as the input's fault, not the hub's.
 */
function isNulCharacterRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (code === '22021' || code === '22P05');
}

function internalError(cause: unknown): HubError {
  return new HubError('internal', 'The hub failed to handle this request; it has been logged', { cause });
}

function codeForStatus(status: number): HubErrorCode {
  for (const [code, value] of Object.entries(hubErrorStatus)) {
    if (value === status) return code as HubErrorCode;
  }
  return 'invalid_input';
}

function isFastifyError(error: unknown): error is FastifyError & { validation?: unknown } {
  return error instanceof Error && ('statusCode' in error || 'code' in error || 'validation' in error);
}

const partNames: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'headers',
};

/** "body/name must not have more than 200 characters", or "body has an unknown field 'x'". */
export function describeValidation(issues: readonly ValidationIssue[], context: string | undefined): string {
  const part = partNames[context ?? ''] ?? context ?? 'request';
  const useful = issues.filter((issue) => issue.keyword !== 'boolean');
  const issue = useful[0] ?? issues[0];
  if (issue === undefined) return `Cannot accept the request: the ${part} is invalid`;
  const where = `${part}${issue.instancePath ?? ''}`;
  const extra = issue.params?.['additionalProperties'];
  if (issue.keyword === 'additionalProperties' && Array.isArray(extra)) {
    const names = extra.slice(0, 5).map((name) => `'${truncate(String(name), 60)}'`);
    return `Cannot accept the request: ${where} has unknown field${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
  }
  const more =
    useful.length > 1 ? ` (and ${useful.length - 1} more problem${useful.length === 2 ? '' : 's'})` : '';
  return `Cannot accept the request: ${where} ${issue.message ?? 'is invalid'}${more}`;
}

async function auditRefusal(app: FastifyInstance, request: FastifyRequest, error: HubError): Promise<void> {
  try {
    const principal = request.principal;
    await recordAudit(app.hub.db, {
      event: 'request.refused',
      action: actionForMethod(request.method),
      outcome: 'refused',
      actor: principal === null ? null : { id: principal.userId, name: principal.email },
      objectType: 'route',
      objectId: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
      sourceIp: request.ip,
      client: request.headers['user-agent'] ?? null,
      details: { status: error.status, code: error.code },
      now: app.hub.now(),
    });
  } catch (auditError) {
    request.log.error({ err: describeForLog(auditError) }, 'could not write the audit log');
  }
}

/** The NEN 7513 action a request method stands for. */
export function actionForMethod(method: string): 'create' | 'read' | 'update' | 'delete' | 'execute' {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return 'read';
    case 'POST':
      return 'create';
    case 'PUT':
    case 'PATCH':
      return 'update';
    case 'DELETE':
      return 'delete';
    default:
      return 'execute';
  }
}

/** Name, message and cause chain of an error, for the log: no request data, so no secrets. */
function describeForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: truncate(String(error), 500) };
  return {
    type: error.name,
    message: error.message,
    stack: error.stack,
    ...(error.cause === undefined ? {} : { cause: describeForLog(error.cause) }),
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
