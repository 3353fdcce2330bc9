import type { JSONSchema, OpenAPIDocument } from './openapi.js';

/**
 * Renders the OpenAPI document as one self-contained HTML page (inline CSS, no script, no
 * CDN), so that the docs work on a machine without internet.
 */
export function renderDocs(document: OpenAPIDocument, openapiUrl: string): string {
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    item.post ? [{ path, operation: item.post }] : [],
  );
  const groups = new Map<string, typeof operations>();
  for (const entry of operations) {
    const tag = entry.operation.tags[0] ?? 'other';
    groups.set(tag, [...(groups.get(tag) ?? []), entry]);
  }
  const sections = [...groups.entries()]
    .map(
      ([tag, entries]) =>
        `<section id="${escapeHtml(tag)}"><h2>${escapeHtml(tag)}</h2>${entries
          .map(({ path, operation }) => {
            const body = operation.requestBody.content['application/json'].schema;
            const responses = Object.entries(operation.responses)
              .map(
                ([status, response]) =>
                  `<tr><td class="status s${status[0]}">${status}</td><td>${escapeHtml(response.description)}</td><td>${
                    response.content
                      ? resolvedHtml(document, response.content['application/json'].schema, status !== '201')
                      : ''
                  }</td></tr>`,
              )
              .join('');
            return `<article id="${escapeHtml(operation.operationId)}">
<h3><span class="method">POST</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(operation.summary)}</p>${operation.description ? `<p>${escapeHtml(operation.description)}</p>` : ''}
<h4>Request body</h4>${resolvedHtml(document, body, false)}
<h4>Responses</h4><table>${responses}</table>
</article>`;
          })
          .join('\n')}</section>`,
    )
    .join('\n');
  const schemas = Object.entries(document.components.schemas)
    .map(
      ([id, schema]) =>
        `<article id="schema-${escapeHtml(id)}"><h3>${escapeHtml(id)}</h3>${
          typeof schema.description === 'string' ? `<p>${escapeHtml(schema.description)}</p>` : ''
        }${schemaHtml(schema)}</article>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)} — API docs</title>
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#222}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}
pre{background:#f5f5f5;padding:.6rem;overflow:auto;border-radius:4px;margin:.2rem 0}
article{border:1px solid #ddd;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}
.method{background:#2a7;color:#fff;padding:.1rem .4rem;border-radius:3px;font-size:.8em}
table{border-collapse:collapse;width:100%}td{border-top:1px solid #eee;padding:.3rem;vertical-align:top}
.status{font-weight:bold}.s2{color:#2a7}.s4{color:#c70}.s5{color:#c33}
a{color:#25b}
</style>
</head>
<body>
<h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
<p>${escapeHtml(document.info.description)}</p>
<p>OpenAPI ${escapeHtml(document.openapi)} document: <a href="${escapeHtml(openapiUrl)}">${escapeHtml(openapiUrl)}</a>${
    document.security ? ' — every endpoint needs <code>Authorization: Bearer &lt;token&gt;</code>.' : ''
  }</p>
<nav>${[...groups.keys()].map((tag) => `<a href="#${escapeHtml(tag)}">${escapeHtml(tag)}</a>`).join(' · ')} · <a href="#schemas">schemas</a></nav>
${sections}
<section id="schemas"><h2>schemas</h2>${schemas}</section>
</body>
</html>`;
}

/**
 * A schema that is only a `$ref` is shown with the component it names (one level deep), so that a
 * reader sees the body without jumping; `linkOnly` shows just the link (the shared error body).
 */
function resolvedHtml(document: OpenAPIDocument, schema: JSONSchema, linkOnly: boolean): string {
  const ref = typeof schema.$ref === 'string' ? schema.$ref : null;
  const id = ref?.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : null;
  const target = id === null ? undefined : document.components.schemas[id];
  if (id === null || target === undefined) return schemaHtml(schema);
  const link = `<a href="#schema-${escapeHtml(id)}">${escapeHtml(id)}</a>`;
  return linkOnly ? link : `${link}${schemaHtml(target)}`;
}

/** The schema as indented JSON whose `$ref`s link to the schema section. */
function schemaHtml(schema: JSONSchema): string {
  const json = escapeHtml(JSON.stringify(schema, null, 2));
  return `<pre>${json.replace(
    /&quot;#\/components\/schemas\/([^&]+)&quot;/g,
    (_match, id: string) => `<a href="#schema-${id}">&quot;#/components/schemas/${id}&quot;</a>`,
  )}</pre>`;
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
