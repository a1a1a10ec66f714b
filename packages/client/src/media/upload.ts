import { UploadField } from '@parley/protocol';

/** What an upload reports as it goes: bytes of the request body sent so far, of all of them. */
export type UploadProgressListener = (loaded: number, total: number) => void;

/** The file as an app has it: a Blob or File in browsers, a Buffer or Uint8Array in Node. */
export type FileData = Blob | Uint8Array;

const CHUNK_BYTES = 64 * 1024;

/** The multipart form of the upload server (`token`, `key`, `file`), as the official SDK sends it. */
export function uploadForm(token: string, key: string, file: FileData, name: string, type: string): FormData {
  const form = new FormData();
  form.set(UploadField.TOKEN, token);
  form.set(UploadField.KEY, key);
  form.set(UploadField.FILE, file instanceof Blob ? file : new Blob([Uint8Array.from(file)], { type }), name);
  return form;
}

/**
 * POSTs the form and reports progress: through XMLHttpRequest's upload events where there is one
 * (browsers), else (Node) as `fetch` pulls the encoded body from a stream, chunk by chunk.
 */
export async function postUpload(url: string, form: FormData, onProgress?: UploadProgressListener): Promise<{ status: number; body: string }> {
  if (typeof XMLHttpRequest !== 'undefined') return postWithXhr(url, form, onProgress);
  const encoded = new Request(url, { method: 'POST', body: form });
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes.length) {
        controller.close();
        return;
      }
      const chunk = bytes.subarray(sent, sent + CHUNK_BYTES);
      sent += chunk.length;
      controller.enqueue(chunk);
      onProgress?.(sent, bytes.length);
    },
  });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': encoded.headers.get('content-type') ?? '' },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, body: await response.text() };
}

function postWithXhr(url: string, form: FormData, onProgress?: UploadProgressListener): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded, event.total);
    };
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
    xhr.onerror = () => reject(new Error('upload failed'));
    xhr.send(form);
  });
}

/**
 * A key like the official SDK's (`{type}__RC-{date}_{n}_{ms}{random}.{ext}`): unique per upload,
 * with the file's extension so downloads keep a useful name.
 */
export function uploadKeyFor(fileType: number, name: string, now: number): string {
  const date = new Date(now);
  const random = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
  const extension = /\.([A-Za-z0-9]{1,10})$/.exec(name)?.[1];
  return `${fileType}__RC-${date.getUTCFullYear()}-${date.getUTCMonth() + 1}-${date.getUTCDate()}_${Math.floor(Math.random() * 10_000)}_${now}${random}${extension ? `.${extension}` : ''}`;
}
