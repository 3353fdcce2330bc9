import { InternalError, NotFoundError } from '@constelite/core';
import type { Hono } from 'hono';
import type { OpenAPIDocument } from './openapi.js';

/**
 * The interactive API reference at `/schema`: Swagger UI (the `swagger-ui-dist` package), served
 * from this package's own dependency, so no request leaves the machine: it works offline and
 * behind firewalls. The page is a small HTML shell; its script and style are files of
 * `swagger-ui-dist`, read at request time by a `DocsAssets` loader and kept in memory.
 *
 * The root entry of `@constelite/server` runs on any Hono runtime, so this module imports no
 * Node built-in (docs/architecture.md). On Node (and Bun and Deno), the default loader reaches
 * the file system through `process.getBuiltinModule`, which needs no import; elsewhere, pass a
 * loader that reads the files from wherever the runtime keeps static assets.
 */

/** The files of `swagger-ui-dist` the page uses. */
export const docsAssetNames = [
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'favicon-32x32.png',
  'favicon-16x16.png',
] as const;

/** A file of `swagger-ui-dist` the page uses. */
export type DocsAssetName = (typeof docsAssetNames)[number];

/**
 * Reads one file of `swagger-ui-dist` (`null` when it is not there). Called at most once per
 * file while it succeeds: the routes keep each file in memory.
 */
export type DocsAssets = (name: DocsAssetName) => Promise<Uint8Array | string | null>;

/** Options of `docsRoutes`. */
export interface DocsOptions {
  /** The OpenAPI document, built on each request of `<path>/openapi.json` (protocols discovered later appear). */
  openapi: () => OpenAPIDocument;
  /** Where the page is served; the document and the files are under it. Default: `/schema`. */
  path?: string;
  /** Reads the files of `swagger-ui-dist`. Default: `swaggerUiDistAssets()` (Node, Bun, Deno). */
  assets?: DocsAssets;
}

const contentTypes: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  png: 'image/png',
};

/**
 * What the page may load: only its own origin. Swagger UI sets inline styles, and the "try it"
 * calls go to the API, which is the same origin.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

/**
 * Serves the API reference on `app`:
 * - `GET <path>`: the page (Swagger UI over the document, with "Try it out" against this API and
 *   the bearer token of the "Authorize" dialog kept across reloads);
 * - `GET <path>/openapi.json`: the OpenAPI 3.1 document;
 * - `GET <path>/assets/<file>`: the files of `swagger-ui-dist` and the page's start-up script.
 *
 * Register them before any auth middleware: the reference is readable without the token.
 */
export function docsRoutes(app: Hono, options: DocsOptions): void {
  const path = (options.path ?? '/schema').replace(/\/+$/, '');
  // The page names everything relative to itself, so it also works when the app is mounted under a prefix.
  const base = `${path.slice(path.lastIndexOf('/') + 1)}/`;
  defaultAssets ??= swaggerUiDistAssets();
  const cached = cachedAssets(options.assets ?? defaultAssets);
  const initScript = startScript(`${base}openapi.json`);

  app.get(`${path}/openapi.json`, (c) => c.json(options.openapi()));
  app.get(path, (c) => {
    const document = options.openapi();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    return c.html(docsPage(document.info.title, base));
  });
  app.get(`${path}/assets/:file`, async (c) => {
    const file = c.req.param('file');
    if (file === 'init.js') {
      return c.body(initScript, 200, { 'Content-Type': contentTypes.js ?? '', 'Cache-Control': 'no-cache' });
    }
    if (!(docsAssetNames as readonly string[]).includes(file)) {
      throw new NotFoundError(`No docs asset '${file}' under ${path}/assets`, {
        extra: { path: c.req.path },
      });
    }
    const asset = await cached(file as DocsAssetName);
    const headers: Record<string, string> = {
      'Content-Type': contentTypes[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
      ETag: asset.etag,
      Vary: 'Accept-Encoding',
    };
    // The gzip form is another representation, so it has its own ETag.
    const zipped = asset.gzip !== null && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    if (zipped) headers.ETag = `${asset.etag.slice(0, -1)}-gzip"`;
    if (c.req.header('if-none-match') === headers.ETag) return c.body(null, 304, headers);
    if (zipped && asset.gzip) return c.body(asset.gzip, 200, { ...headers, 'Content-Encoding': 'gzip' });
    return c.body(asset.bytes, 200, headers);
  });
}

/** The page: a shell that loads Swagger UI's style and script from `<base>assets/`. */
function docsPage(title: string, base: string): string {
  const text = escapeHtml(title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text} — API reference</title>
<link rel="stylesheet" href="${base}assets/swagger-ui.css">
<link rel="icon" type="image/png" href="${base}assets/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${base}assets/favicon-16x16.png" sizes="16x16">
</head>
<body>
<noscript><p>The API reference of ${text} needs JavaScript; the OpenAPI document is at <a href="${base}openapi.json">${base}openapi.json</a>.</p></noscript>
<div id="swagger-ui"></div>
<script src="${base}assets/swagger-ui-bundle.js"></script>
<script src="${base}assets/init.js"></script>
</body>
</html>
`;
}

/** The page's start-up script (a file, not inline, so the page's policy allows no inline script). */
function startScript(documentUrl: string): string {
  const config = {
    url: documentUrl,
    dom_id: '#swagger-ui',
    deepLinking: true,
    // The token typed into "Authorize" survives a reload (it is kept in this browser's localStorage).
    persistAuthorization: true,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
    defaultModelExpandDepth: 3,
    docExpansion: 'list',
    // Swagger UI's default sends the document to an online validator: nothing leaves the machine.
    validatorUrl: null,
  };
  return `'use strict';
window.ui = SwaggerUIBundle(Object.assign(${JSON.stringify(config)}, {
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
}));
`;
}

interface CachedAsset {
  bytes: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer> | null;
  etag: string;
}

/** The default loader, shared by every app (so its files are read and compressed once per process). */
let defaultAssets: DocsAssets | undefined;
/** The files each loader has given, by loader. */
const caches = new WeakMap<DocsAssets, Map<DocsAssetName, Promise<CachedAsset>>>();

/** Reads each file once per loader (a failed read is tried again on the next request) and keeps it with its gzip form and ETag. */
function cachedAssets(assets: DocsAssets): (name: DocsAssetName) => Promise<CachedAsset> {
  let cache = caches.get(assets);
  if (!cache) {
    cache = new Map();
    caches.set(assets, cache);
  }
  const files = cache;
  return (name) => {
    let entry = files.get(name);
    if (!entry) {
      entry = loadAsset(assets, name);
      files.set(name, entry);
      entry.catch(() => files.delete(name));
    }
    return entry;
  };
}

async function loadAsset(assets: DocsAssets, name: DocsAssetName): Promise<CachedAsset> {
  let content: Uint8Array | string | null;
  try {
    content = await assets(name);
  } catch (error) {
    throw new InternalError(
      `The API reference cannot read swagger-ui-dist/${name}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, extra: { asset: name } },
    );
  }
  if (content === null) {
    throw new InternalError(
      `The API reference has no swagger-ui-dist/${name} on this runtime: pass docsRoutes an \`assets\` loader that reads the files of the swagger-ui-dist package`,
      { extra: { asset: name } },
    );
  }
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : new Uint8Array(content);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const etag = `"${[...digest.subarray(0, 12)].map((byte) => byte.toString(16).padStart(2, '0')).join('')}"`;
  const gzip = name.endsWith('.png') ? null : await gzipped(bytes);
  return { bytes, gzip, etag };
}

/** The gzip form of `bytes` (the bundle shrinks from 1.7 MB to about 0.5 MB), or null where the runtime has no CompressionStream. */
async function gzipped(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer> | null> {
  if (typeof CompressionStream === 'undefined') return null;
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The default loader: reads the files of the `swagger-ui-dist` package this package depends on,
 * found the way Node resolves it from here. It reaches the file system through
 * `process.getBuiltinModule` (Node 20.16+, Bun, Deno), so this module imports no Node built-in;
 * on a runtime without it, every file is `null` and the asset routes explain what to pass.
 */
export function swaggerUiDistAssets(): DocsAssets {
  let directory: string | null = null;
  return async (name) => {
    const load = globalThis.process?.getBuiltinModule;
    if (typeof load !== 'function') return null;
    const fs = load('node:fs/promises') as typeof import('node:fs/promises');
    const path = load('node:path') as typeof import('node:path');
    const module = load('node:module') as typeof import('node:module');
    directory ??= path.dirname(module.createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    return fs.readFile(path.join(directory, name));
  };
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
