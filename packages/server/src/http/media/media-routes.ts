import { MEDIA_DOWNLOAD_PATH, MEDIA_UPLOAD_PATH, UploadField } from '@parley/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MediaService } from '../../core/media/media-service.js';
import { boundaryOf, parseMultipart } from '../../core/media/multipart.js';
import type { PublicAddress } from '../public-url.js';

export interface MediaRoutesOptions {
  media: MediaService;
  publicAddress: PublicAddress;
}

/** What a multipart body may carry beyond the file itself: the token, the key, the part headers. */
const FORM_OVERHEAD_BYTES = 64 * 1024;
/** Uploads a node reads at once; each is held in memory, so this times `--upload-limit` bounds their memory. */
export const MAX_CONCURRENT_UPLOADS = 32;

/**
 * The upload server navigation names (`uploadServer`): the SDK's Qiniu form (`token`, `key`,
 * `file`) POSTed as multipart, answered 200 with the download URL (the Web SDK reads only the
 * status and then asks `qnUrl`). Downloads are served from what the bytes are, never from what the
 * uploader said they were, with `nosniff`. Every refusal is `{ code, errorMessage }` with its HTTP
 * status, and stores nothing.
 */
export async function mediaPlugin(http: FastifyInstance, { media, publicAddress }: MediaRoutesOptions): Promise<void> {
  // Registered in this plugin only: multipart bodies are accepted nowhere else.
  http.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: media.options.uploadLimitBytes + FORM_OVERHEAD_BYTES }, (_request, body, done) => done(null, body));

  let uploading = 0;
  // Runs before the body is read: past the cap a request is turned away without reading it.
  const admitUpload = async (_request: FastifyRequest, reply: FastifyReply) => {
    // Set before the body is read, so a page also sees the refusals Fastify makes (413) as such.
    allowCrossOrigin(reply, 'POST, OPTIONS');
    if (uploading >= MAX_CONCURRENT_UPLOADS) {
      return reply.code(503).header('retry-after', '1').send({ code: 503, errorMessage: 'too many uploads at once, retry' });
    }
    uploading++;
    reply.raw.once('close', () => uploading--);
  };
  http.options(MEDIA_UPLOAD_PATH, async (_request, reply) => allowCrossOrigin(reply, 'POST, OPTIONS').code(204).send());
  http.post(MEDIA_UPLOAD_PATH, { bodyLimit: media.options.uploadLimitBytes + FORM_OVERHEAD_BYTES, onRequest: admitUpload }, async (request, reply) => {
    const boundary = boundaryOf(request.headers['content-type']);
    if (!boundary || !Buffer.isBuffer(request.body)) return refuse(reply, 400, 'expected a multipart/form-data body');
    const form = parseMultipart(request.body, boundary);
    if (!form.ok) return refuse(reply, 400, form.problem);
    const field = (name: string) => form.parts.filter((p) => p.name === name);
    const [token, key, file] = [field(UploadField.TOKEN), field(UploadField.KEY), field(UploadField.FILE)];
    if (token.length !== 1 || key.length !== 1 || file.length !== 1 || !token[0] || !key[0] || !file[0]) {
      return refuse(reply, 400, `the form needs one each of ${Object.values(UploadField).join(', ')}`);
    }
    const result = await media.receiveUpload({
      token: token[0].data.toString('utf8'),
      key: key[0].data.toString('utf8'),
      fileName: file[0].fileName,
      bytes: file[0].data,
      baseUrl: publicAddress.baseUrlFor(request),
    });
    if (!result.ok) return refuse(reply, result.status, result.message);
    const { record } = result;
    return reply.send({ code: 200, key: record.key, downloadUrl: record.downloadUrl, size: record.size, type: record.contentType, name: record.fileName });
  });

  http.get<{ Params: { id: string; code: string } }>(`${MEDIA_DOWNLOAD_PATH}/:id/:code`, async (request, reply) => {
    allowCrossOrigin(reply, 'GET');
    const found = await media.openDownload(request.params.id, request.params.code);
    if (!found) return refuse(reply, 404, 'no such file');
    const { record, body } = found;
    return reply
      .headers({
        'content-type': record.contentType,
        'content-disposition': contentDisposition(record.disposition, record.fileName),
        'x-content-type-options': 'nosniff',
        // Nothing in a stored file may run as a page of this origin, even if opened directly.
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'private, max-age=86400, immutable',
      })
      .send(body);
  });
}

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ code: status, errorMessage: message });
}

/** `filename` for old agents (ASCII only), `filename*` with the name as given. */
function contentDisposition(disposition: 'inline' | 'attachment', fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/[\\"]/g, '_');
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Apps' pages on any origin upload and show files; the token (uploads) or the URL's code (downloads) is the credential. */
function allowCrossOrigin(reply: FastifyReply, methods: string): FastifyReply {
  return reply.headers({
    'access-control-allow-origin': '*',
    'access-control-allow-methods': methods,
    'access-control-allow-headers': 'Content-Type',
    'access-control-max-age': '86400',
  });
}
